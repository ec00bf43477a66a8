using CnnEngine.Backends;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Bench.Peers;

/// <summary>
/// The `features` scan loop as it was before issue 12 (engine/Deconv/FeatureScan.cs at commit 462dec2), kept here so
/// the benchmark's "before" row does not speed up as the product's loop changes: one image decoded at a time between
/// forwards, fresh tensors for every image, the batch and the tapped layers, and a checkpoint after every batch.
/// </summary>
internal static class LegacyFeatureScan
{
    public static int Run(IForwardBackend backend, IReadOnlyList<string> images, string dataset, string[] layers, int k, int batch, string checkpointPath)
    {
        var state = new FeatureScanState
        {
            Dataset = Path.GetFullPath(dataset), Layers = layers, K = k, Shard = ShardSpec.All, Weights = WeightsIdentity.Of(backend.Weights),
            Top = new TopActivations(k, layers.ToDictionary(l => l, l => ConvLayers.Find(l).OutChannels)),
        };
        while (state.Next < images.Count)
        {
            var names = new List<string>();
            var inputs = new List<Tensor>();
            int next = state.Next;
            while (next < images.Count && inputs.Count < batch)
            {
                string name = images[next++];
                inputs.Add(ImagePipeline.LoadForNetwork(Path.Combine(dataset, name), ImageSize.Vgg16Top).Input);
                names.Add(name);
            }
            var tap = new RecordingTap(layers);
            backend.Forward(Concat(inputs), tap);
            foreach (var layer in layers)
            {
                var act = tap.Activations[layer]; // (n, h, w, c)
                for (int i = 0; i < names.Count; i++)
                    state.Top.AddImage(names[i], layer, act.Image(i), act.Shape[1], act.Shape[2], act.Shape[3]);
            }
            state.Processed += names.Count;
            state.Next = next;
            state.Complete = state.Next >= images.Count;
            state.Save(checkpointPath);
        }
        return state.Processed;
    }

    private static Tensor Concat(List<Tensor> inputs)
    {
        if (inputs.Count == 1) return inputs[0];
        int per = inputs[0].Data.Length;
        var data = new float[per * inputs.Count];
        for (int i = 0; i < inputs.Count; i++) inputs[i].Data.CopyTo(data, i * per);
        return new Tensor(data, inputs.Count, inputs[0].Shape[1], inputs[0].Shape[2], inputs[0].Shape[3]);
    }
}
