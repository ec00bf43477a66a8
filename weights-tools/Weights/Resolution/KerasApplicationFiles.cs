namespace CnnEngine.Weights;

/// <summary>
/// The keras-applications release files of the built-in models beside VGG16 (<see cref="KerasWeightsFile"/>): names
/// and md5 as keras/src/applications/vgg19.py gives them, downloaded from the same bucket.
/// </summary>
public static class KerasApplicationFiles
{
    public static readonly KerasWeightsFile Vgg19Top = new("vgg19_weights_tf_dim_ordering_tf_kernels.h5", "cbe5617147190e668d6c5d5026f83318", true);
    public static readonly KerasWeightsFile Vgg19NoTop = new("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "253f8cb515780f3b799900260a226db6", false);
    public static readonly Uri Vgg19BaseUrl = new("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/");

    /// <summary>
    /// A query that finds VGG19 the way VGG16 is found — Keras's cache, our cache, then a download — but never through
    /// $CNN_ENGINE_WEIGHTS (which names the VGG16 file).
    /// </summary>
    public static WeightsQuery Vgg19Query(bool includeTop, bool allowDownload, Action<DownloadProgress>? progress = null) => new()
    {
        IncludeTop = includeTop,
        AllowDownload = allowDownload,
        EnvironmentPath = null,
        TopFile = Vgg19Top,
        NoTopFile = Vgg19NoTop,
        DownloadBaseUrl = Vgg19BaseUrl,
        Progress = progress,
    };
}
