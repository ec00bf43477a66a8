using CnnEngine.Weights.Hdf5;

namespace CnnEngine.Weights.Keras;

/// <summary>One tensor found in a Keras file: its store name ("block1_conv1.kernel") and the dataset holding it.</summary>
internal sealed record KerasTensor(string Layer, string Name, Hdf5Dataset Dataset);

/// <summary>
/// Recognizes the three Keras weight layouts in an opened HDF5 file and maps each to "&lt;layer&gt;.kernel" / "&lt;layer&gt;.bias":
/// <list type="bullet">
/// <item>keras-applications release files and Keras 2 save_weights: root attribute layer_names; each layer group's
/// weight_names lists its datasets, first the kernel, then the bias. Only these two attributes are relied on
/// (not keras_version, backend, nor an input layer being listed). Keras 2 full-model files keep the same under model_weights/.</item>
/// <item>Keras 3 .weights.h5: layers/&lt;path&gt;/vars/0 (kernel) and vars/1 (bias). Keras 3 names list members by class
/// (conv2d, conv2d_1, …, dense, dense_1, …), not by layer name, so VGG16 names are assigned by that order:
/// the n-th conv2d is VGG16's n-th conv layer, the dense layers are fc1, fc2, predictions.</item>
/// </list>
/// </summary>
internal static class KerasLayoutReader
{
    public static readonly string[] Vgg16ConvNames =
    {
        "block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
        "block3_conv1", "block3_conv2", "block3_conv3", "block4_conv1", "block4_conv2", "block4_conv3",
        "block5_conv1", "block5_conv2", "block5_conv3",
    };
    public static readonly string[] Vgg16DenseNames = { "fc1", "fc2", "predictions" };

    public static (WeightsLayout Layout, List<KerasTensor> Tensors) Read(Hdf5File file)
    {
        var root = file.Root;
        if (root.TryGetGroup("layers") is { } layers && HasKeras3Vars(layers))
            return (WeightsLayout.Keras3WeightsH5, ReadKeras3(file, layers));
        var weightsGroup = HasAttribute(root, "layer_names") ? root
            : root.TryGetGroup("model_weights") is { } mw && HasAttribute(mw, "layer_names") ? mw : null;
        if (weightsGroup is null)
            throw new WeightsException($"{file.Path}: not a Keras weights file (no layer_names attribute, no layers/…/vars groups)");
        return ReadLayerNames(file, weightsGroup);
    }

    private static bool HasAttribute(Hdf5Object o, string name) =>
        o.Attributes.ContainsKey(name) || o.Attributes.ContainsKey(name + "0");

    /// <summary>
    /// A list-of-names attribute as Keras stores it: one attribute, or — when it would pass HDF5's 64 KiB header
    /// limit — split into name0, name1, … (Keras's save_attributes_to_hdf5_group). Null when absent.
    /// </summary>
    private static string[]? ReadStringList(Hdf5Object o, string name)
    {
        if (o.Attributes.TryGetValue(name, out var single)) return single.ReadStrings();
        if (!o.Attributes.ContainsKey(name + "0")) return null;
        var all = new List<string>();
        for (int i = 0; o.Attributes.TryGetValue(name + i.ToString(System.Globalization.CultureInfo.InvariantCulture), out var part); i++)
            all.AddRange(part.ReadStrings());
        return all.ToArray();
    }

    private static bool HasKeras3Vars(Hdf5Group layers) =>
        layers.ChildNames.Any(n => layers.TryGetGroup(n + "/vars") is not null);

    private static (WeightsLayout, List<KerasTensor>) ReadLayerNames(Hdf5File file, Hdf5Group group)
    {
        string[] layerNames = ReadStringList(group, "layer_names")!;
        var tensors = new List<KerasTensor>();
        bool slashNames = false, anyWeights = false;
        foreach (string layer in layerNames)
        {
            var g = group.TryGetGroup(layer)
                ?? throw new WeightsException($"{file.Path}: layer_names lists {layer}, but there is no group {layer}");
            string[]? weightNames = ReadStringList(g, "weight_names");
            if (weightNames is null) continue;
            for (int i = 0; i < weightNames.Length; i++)
            {
                anyWeights = true;
                if (weightNames[i].Contains('/')) slashNames = true;
                var ds = g.TryGetDataset(weightNames[i])
                    ?? throw new WeightsException($"{file.Path}: layer {layer} lists weight {weightNames[i]}, but no such dataset exists");
                tensors.Add(new KerasTensor(layer, $"{layer}.{RoleName(i)}", ds));
            }
        }
        if (!anyWeights) throw new WeightsException($"{file.Path}: Keras weights file without any weights");
        // keras-applications names datasets "<layer>_W_1:0"; Keras 2 "<layer>/kernel:0" (a nested group).
        return (slashNames ? WeightsLayout.Keras2SaveWeights : WeightsLayout.KerasApplications, tensors);
    }

    private static List<KerasTensor> ReadKeras3(Hdf5File file, Hdf5Group layers)
    {
        var found = new List<(string Path, Hdf5Dataset[] Vars)>();
        foreach (string name in layers.ChildNames)
        {
            var vars = layers.TryGetGroup(name + "/vars");
            if (vars is null || vars.ChildNames.Count == 0) continue;
            var datasets = new List<Hdf5Dataset>();
            for (int i = 0; ; i++)
            {
                var ds = vars.TryGetDataset(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (ds is null) break;
                datasets.Add(ds);
            }
            if (datasets.Count == 0) throw new WeightsException($"{file.Path}: layers/{name}/vars has no dataset \"0\"");
            found.Add((name, datasets.ToArray()));
        }
        var names = AssignVgg16Names(found.Select(f => f.Path).ToList());
        var tensors = new List<KerasTensor>();
        foreach (var (path, vars) in found.OrderBy(f => LayerOrder(names[f.Path])))
        {
            string layer = names[path];
            for (int i = 0; i < vars.Length; i++) tensors.Add(new KerasTensor(layer, $"{layer}.{RoleName(i)}", vars[i]));
        }
        return tensors;
    }

    /// <summary>Keras 3 paths → layer names: VGG16 names used as they are; class-counter names mapped by counter order.</summary>
    private static Dictionary<string, string> AssignVgg16Names(List<string> paths)
    {
        var result = new Dictionary<string, string>();
        var conv = new List<(int, string)>();
        var dense = new List<(int, string)>();
        foreach (string p in paths)
        {
            if (Vgg16ConvNames.Contains(p) || Vgg16DenseNames.Contains(p)) { result[p] = p; continue; }
            var (cls, k) = SplitCounter(p);
            if (cls == "conv2d") conv.Add((k, p));
            else if (cls == "dense") dense.Add((k, p));
            else result[p] = p;
        }
        conv.Sort();
        dense.Sort();
        bool vggShaped = conv.Count == Vgg16ConvNames.Length && (dense.Count == 0 || dense.Count == Vgg16DenseNames.Length);
        for (int i = 0; i < conv.Count; i++) result[conv[i].Item2] = vggShaped ? Vgg16ConvNames[i] : conv[i].Item2;
        for (int i = 0; i < dense.Count; i++) result[dense[i].Item2] = vggShaped ? Vgg16DenseNames[i] : dense[i].Item2;
        return result;
    }

    private static (string Class, int Counter) SplitCounter(string path)
    {
        int us = path.LastIndexOf('_');
        if (us > 0 && int.TryParse(path.AsSpan(us + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k))
            return (path[..us], k);
        return (path, 0);
    }

    private static int LayerOrder(string layer)
    {
        int i = Array.IndexOf(Vgg16ConvNames, layer);
        if (i >= 0) return i;
        i = Array.IndexOf(Vgg16DenseNames, layer);
        return i >= 0 ? 100 + i : 1000;
    }

    private static string RoleName(int index) => index switch { 0 => "kernel", 1 => "bias", _ => $"weight{index}" };
}
