using CnnEngine.Imaging;

namespace CnnEngine.Viz.Live;

/// <summary>How the live explorer sizes inputs and bounds its work and memory.</summary>
/// <param name="InputSide">VGG16's input side (224 with the top; smaller sides need weights without it). A user's model
/// takes the input its config names, whatever this says.</param>
/// <param name="QueueCapacity">Requests in line for the device, counting the running one; more are answered Busy.</param>
/// <param name="CacheBytes">Memory the analysed images may hold (LRU beyond it).</param>
/// <param name="MaxJobs">Occlusion jobs running at once; more are answered Busy.</param>
/// <param name="OcclusionBatch">Occluded copies per forward (cancel takes effect between batches).</param>
public sealed record ExplorerOptions(
    int InputSide = 224,
    int QueueCapacity = 4,
    long CacheBytes = 1L << 30,
    UploadLimits? Upload = null,
    int MaxJobs = 2,
    int OcclusionBatch = 4,
    ResizeMode Resize = ResizeMode.Nearest)
{
    public UploadLimits Limits => Upload ?? UploadLimits.Default;
}
