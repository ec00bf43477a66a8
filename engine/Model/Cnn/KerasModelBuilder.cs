using CnnEngine.Ops;
using CnnEngine.Tensors;
using CnnEngine.Weights.KerasModel;

namespace CnnEngine.Model.Cnn;

/// <summary>
/// Turns a saved Keras model (config + weights, read by CnnEngine.Weights.KerasModel) into a <see cref="CnnModel"/>:
/// infers every shape from the input, checks every weight's shape against the config, folds a BatchNormalization
/// into the Conv2D or Dense right before it (when that layer has a linear activation), and refuses — with one line
/// naming the layer, its class and what is supported — anything it cannot run exactly.
/// </summary>
public static class KerasModelBuilder
{
    public const string SupportedLayers =
        "InputLayer, Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization, Dense, Flatten, Dropout, SpatialDropout2D, " +
        "GaussianNoise, GaussianDropout, Activation, ReLU, LeakyReLU, ELU, Softmax, GlobalAveragePooling2D, GlobalMaxPooling2D, " +
        "Rescaling, ZeroPadding2D";

    public const string SupportedActivations = "linear, relu, relu6, leaky_relu, elu, sigmoid, tanh, softmax";

    private static readonly HashSet<string> Identity = new(StringComparer.Ordinal)
    {
        "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
    };

    /// <summary>Builds the model of an opened file (which must stay open only during this call).</summary>
    public static CnnModel Build(KerasModelFile file)
    {
        string version = file.KerasVersion.Length > 0 ? $"Keras {file.KerasVersion} " : "";
        string format = file.Format switch
        {
            KerasModelFormat.FullModelH5 => "full-model .h5",
            KerasModelFormat.KerasZip => ".keras",
            _ => "weights + config",
        };
        return Build(file.Config, file.WeightsOf, $"{file.SourcePath} ({version}{format})", file.SourcePath);
    }

    /// <param name="weightsOf">A layer's weights in Keras's order, empty when the file has none.</param>
    /// <param name="origin">File name for messages.</param>
    public static CnnModel Build(KerasModelConfig config, Func<string, IReadOnlyList<KerasVariable>> weightsOf, string source, string origin)
    {
        var shape = config.InputShape;
        if (shape.Any(d => d is null))
            throw new KerasModelException($"{origin}: the input shape {KerasModelConfig.FormatShape(shape)} leaves the image size open: only models with a fixed input size are supported");
        int h = shape[0]!.Value, w = shape[1]!.Value, c = shape[2]!.Value;
        if (c is not (1 or 3))
            throw new KerasModelException($"{origin}: the input has {c} channels: only grayscale (1) or RGB (3) images are supported");
        var current = FeatureShape.Map(h, w, c);
        var input = current;
        var layers = new List<CnnLayer>();
        var skipped = new List<string>();
        foreach (var lc in config.Layers)
        {
            CheckDataFormat(lc, origin);
            if (Identity.Contains(lc.ClassName)) { skipped.Add(lc.Name); continue; }
            var layer = BuildLayer(lc, current, weightsOf, origin, layers.Count > 0 ? layers[^1] : null, out bool replacesPrevious);
            if (replacesPrevious) { skipped.Add(layers[^1] is ConvLayer pc ? pc.Name : layers[^1].Name); layers[^1] = layer; }
            else layers.Add(layer);
            current = layer.Output;
        }
        if (layers.Count == 0) throw new KerasModelException($"{origin}: the model has no layers to run");
        return new CnnModel(config.ModelName, source, input, layers, skipped);
    }

    private static void CheckDataFormat(KerasLayerConfig lc, string origin)
    {
        string? format = lc.String("data_format");
        if (format is not null && format != "channels_last")
            throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"data_format '{format}': only channels_last is supported");
    }

    private static CnnLayer BuildLayer(KerasLayerConfig lc, FeatureShape input, Func<string, IReadOnlyList<KerasVariable>> weightsOf,
        string origin, CnnLayer? previous, out bool replacesPrevious)
    {
        replacesPrevious = false;
        switch (lc.ClassName)
        {
            case "Conv2D": return Conv(lc, input, weightsOf(lc.Name), origin);
            case "Dense": return Dense(lc, input, weightsOf(lc.Name), origin);
            case "MaxPooling2D":
            case "AveragePooling2D":
            {
                RequireMap(lc, input, origin);
                int[] pool = lc.IntTuple("pool_size", 2) ?? new[] { 2, 2 };
                int[] strides = lc.IntTuple("strides", 2) ?? pool;
                var window = Window(lc, input, pool, strides, origin);
                return new PoolLayer
                {
                    Name = lc.Name, KerasClass = lc.ClassName, Input = input, IsMax = lc.ClassName == "MaxPooling2D", Window = window,
                    Output = FeatureShape.Map(window.OutHeight(input.Height), window.OutWidth(input.Width), input.Channels),
                };
            }
            case "BatchNormalization":
            {
                var (scale, shift) = BatchNorm(lc, input, weightsOf(lc.Name), origin);
                if (previous is ConvLayer conv && conv.Activation.IsLinear && conv.FoldedConv is null)
                {
                    replacesPrevious = true;
                    return FoldIntoConv(conv, lc, scale, shift);
                }
                if (previous is DenseLayer dense && dense.Activation.IsLinear && dense.FoldedDense is null)
                {
                    replacesPrevious = true;
                    return FoldIntoDense(dense, lc, scale, shift);
                }
                return new AffineLayer { Name = lc.Name, KerasClass = lc.ClassName, Input = input, Output = input, Scale = scale, Shift = shift };
            }
            case "Rescaling":
            {
                double[] scale = lc.Numbers("scale") ?? new[] { 1.0 };
                double[] offset = lc.Numbers("offset") ?? new[] { 0.0 };
                foreach (var v in new[] { scale, offset })
                    if (v.Length != 1 && v.Length != input.Channels)
                        throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"{v.Length} scale/offset values for {input.Channels} channels: one value or one per channel is supported");
                return new AffineLayer
                {
                    Name = lc.Name, KerasClass = lc.ClassName, Input = input, Output = input,
                    Scale = scale.Select(x => (float)x).ToArray(), Shift = offset.Select(x => (float)x).ToArray(),
                };
            }
            case "Activation":
                return Act(lc, input, Activation(lc, lc.ActivationName() ?? "linear", origin));
            case "ReLU":
            {
                double? max = lc.Get("max_value") is { } m ? m.GetDouble() : null;
                return Act(lc, input, new ActivationFunction(ActivationKind.Relu, (float)lc.Double("negative_slope", 0),
                    max is null ? float.PositiveInfinity : (float)max.Value, (float)lc.Double("threshold", 0)));
            }
            case "LeakyReLU":
                // Keras 2 calls the slope alpha, Keras 3 negative_slope; both default to 0.3.
                return Act(lc, input, new ActivationFunction(ActivationKind.Relu, (float)lc.Double("negative_slope", lc.Double("alpha", 0.3))));
            case "ELU":
                return Act(lc, input, new ActivationFunction(ActivationKind.Elu, (float)lc.Double("alpha", 1.0)));
            case "Softmax":
            {
                var axis = lc.Get("axis");
                bool last = axis is null || (axis.Value.ValueKind == System.Text.Json.JsonValueKind.Number && IsLastAxis(axis.Value.GetInt32(), input));
                if (!last) throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"axis {axis!.Value.GetRawText()}: only softmax over the last axis is supported");
                return Act(lc, input, new ActivationFunction(ActivationKind.Softmax));
            }
            case "Flatten":
                return new FlattenLayer { Name = lc.Name, KerasClass = lc.ClassName, Input = input, Output = FeatureShape.Vector(checked((int)input.Elements)) };
            case "GlobalAveragePooling2D":
            case "GlobalMaxPooling2D":
            {
                RequireMap(lc, input, origin);
                bool keep = lc.Bool("keepdims", false);
                return new GlobalPoolLayer
                {
                    Name = lc.Name, KerasClass = lc.ClassName, Input = input, IsMax = lc.ClassName == "GlobalMaxPooling2D",
                    Output = keep ? FeatureShape.Map(1, 1, input.Channels) : FeatureShape.Vector(input.Channels),
                };
            }
            case "ZeroPadding2D":
            {
                RequireMap(lc, input, origin);
                var (t, b, l, r) = Padding(lc, origin);
                if (t < 0 || b < 0 || l < 0 || r < 0) throw lc.Bad("negative padding");
                return new ZeroPaddingLayer
                {
                    Name = lc.Name, KerasClass = lc.ClassName, Input = input, Top = t, Bottom = b, Left = l, Right = r,
                    Output = FeatureShape.Map(input.Height + t + b, input.Width + l + r, input.Channels),
                };
            }
            case "InputLayer":
                throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, "a second InputLayer inside the chain");
            case "Sequential":
            case "Functional":
            case "Model":
                throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, "a model nested as a layer; save the inner model's layers flat. Supported layers: " + SupportedLayers);
            default:
                throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, "supported layers are " + SupportedLayers);
        }
    }

    private static ActivationLayer Act(KerasLayerConfig lc, FeatureShape input, ActivationFunction f) =>
        new() { Name = lc.Name, KerasClass = lc.ClassName, Input = input, Output = input, Activation = f };

    public static ActivationFunction Activation(KerasLayerConfig lc, string name, string origin) => name switch
    {
        "linear" or "" => ActivationFunction.Linear,
        "relu" => ActivationFunction.Relu,
        "relu6" => new ActivationFunction(ActivationKind.Relu, 0f, 6f),
        "leaky_relu" => new ActivationFunction(ActivationKind.Relu, 0.2f), // Keras 3's keras.activations.leaky_relu default
        "elu" => new ActivationFunction(ActivationKind.Elu, 1f),
        "sigmoid" => new ActivationFunction(ActivationKind.Sigmoid),
        "tanh" => new ActivationFunction(ActivationKind.Tanh),
        "softmax" => new ActivationFunction(ActivationKind.Softmax),
        _ => throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"activation '{name}': supported activations are {SupportedActivations}"),
    };

    private static void RequireMap(KerasLayerConfig lc, FeatureShape input, string origin)
    {
        if (input.Flat) throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"its input is the flat vector {input}: it needs a (height, width, channels) feature map");
    }

    private static Window2D Window(KerasLayerConfig lc, FeatureShape input, int[] kernel, int[] strides, string origin)
    {
        string padding = lc.String("padding") ?? "valid";
        if (padding is not ("valid" or "same"))
            throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"padding '{padding}': only 'valid' and 'same' are supported");
        if (kernel.Any(k => k < 1) || strides.Any(s => s < 1)) throw lc.Bad($"window {string.Join("×", kernel)} stride {string.Join("×", strides)} must be positive");
        var window = Window2D.For(input.Height, input.Width, kernel[0], kernel[1], strides[0], strides[1], padding == "same");
        if (!window.Fits(input.Height, input.Width))
            throw new KerasModelException($"{origin}: layer '{lc.Name}' ({lc.ClassName}): its {kernel[0]}×{kernel[1]} window does not fit its {input.Height}×{input.Width} input");
        return window;
    }

    private static ConvLayer Conv(KerasLayerConfig lc, FeatureShape input, IReadOnlyList<KerasVariable> vars, string origin)
    {
        RequireMap(lc, input, origin);
        int filters = lc.Int("filters", 0);
        if (filters < 1) throw lc.Bad("'filters' must be a positive integer");
        int[] kernel = lc.IntTuple("kernel_size", 2) ?? throw lc.Bad("no kernel_size");
        int[] strides = lc.IntTuple("strides", 2) ?? new[] { 1, 1 };
        int[] dilation = lc.IntTuple("dilation_rate", 2) ?? new[] { 1, 1 };
        if (dilation.Any(d => d != 1)) throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"dilation_rate ({string.Join(", ", dilation)}): only 1 is supported");
        int groups = lc.Int("groups", 1);
        if (groups != 1) throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"groups={groups}: only 1 is supported");
        var window = Window(lc, input, kernel, strides, origin);
        bool useBias = lc.Bool("use_bias", true);
        var (k, b) = KernelAndBias(lc, vars, new[] { kernel[0], kernel[1], input.Channels, filters }, useBias, origin);
        return new ConvLayer
        {
            Name = lc.Name, KerasClass = lc.ClassName, Input = input, Window = window, Kernel = k, Bias = b,
            Activation = Activation(lc, lc.ActivationName() ?? "linear", origin),
            Output = FeatureShape.Map(window.OutHeight(input.Height), window.OutWidth(input.Width), filters),
        };
    }

    private static CnnLayer Dense(KerasLayerConfig lc, FeatureShape input, IReadOnlyList<KerasVariable> vars, string origin)
    {
        int units = lc.Int("units", 0);
        if (units < 1) throw lc.Bad("'units' must be a positive integer");
        bool useBias = lc.Bool("use_bias", true);
        var f = Activation(lc, lc.ActivationName() ?? "linear", origin);
        var (k, b) = KernelAndBias(lc, vars, new[] { input.Channels, units }, useBias, origin);
        if (input.Flat)
            return new DenseLayer { Name = lc.Name, KerasClass = lc.ClassName, Input = input, Output = FeatureShape.Vector(units), Kernel = k, Bias = b, Activation = f };
        // Keras applies Dense on a feature map to the last axis, pixel by pixel: exactly a 1×1 convolution.
        return new ConvLayer
        {
            Name = lc.Name, KerasClass = lc.ClassName, Input = input, Output = FeatureShape.Map(input.Height, input.Width, units),
            Window = new Window2D(1, 1, 1, 1, 0, 0, 0, 0), Kernel = k, Bias = b, Activation = f,
        };
    }

    private static (float[] Kernel, float[] Bias) KernelAndBias(KerasLayerConfig lc, IReadOnlyList<KerasVariable> vars, int[] kernelShape, bool useBias, string origin)
    {
        int cout = kernelShape[^1];
        int expected = useBias ? 2 : 1;
        string need = useBias ? $"kernel {ShapeMath.Format(kernelShape)} and bias ({cout},)" : $"kernel {ShapeMath.Format(kernelShape)}";
        if (vars.Count == 0)
            throw new LayerWeightsException($"{origin}: layer '{lc.Name}' ({lc.ClassName}) has no weights in the file (the config needs {need})", lc.Name);
        if (vars.Count != expected)
            throw new LayerWeightsException($"{origin}: layer '{lc.Name}' ({lc.ClassName}) has {vars.Count} weights in the file ({string.Join(", ", vars.Select(v => v.Name + " " + ShapeMath.Format(v.Shape)))}), the config needs {need}", lc.Name);
        CheckShape(lc, vars[0], kernelShape, "kernel", origin);
        float[] bias = new float[cout];
        if (useBias)
        {
            CheckShape(lc, vars[1], new[] { cout }, "bias", origin);
            bias = vars[1].Values;
        }
        return (vars[0].Values, bias);
    }

    private static void CheckShape(KerasLayerConfig lc, KerasVariable v, int[] expected, string role, string origin)
    {
        if (!v.Shape.AsSpan().SequenceEqual(expected))
            throw new LayerWeightsException($"{origin}: layer '{lc.Name}' ({lc.ClassName}): {role} {v.Name} has shape {ShapeMath.Format(v.Shape)} in the file, the config needs {ShapeMath.Format(expected)}", lc.Name);
        if (v.Values.Length != ShapeMath.Product(expected))
            throw new LayerWeightsException($"{origin}: layer '{lc.Name}' ({lc.ClassName}): {role} {v.Name} holds {v.Values.Length} values for shape {ShapeMath.Format(expected)}", lc.Name);
    }

    /// <summary>Inference batch norm as scale and shift per channel: scale = gamma / sqrt(var + eps), shift = beta − mean·scale.</summary>
    private static (float[] Scale, float[] Shift) BatchNorm(KerasLayerConfig lc, FeatureShape input, IReadOnlyList<KerasVariable> vars, string origin)
    {
        var axis = lc.Get("axis");
        bool lastAxis = axis is null
            || (axis.Value.ValueKind == System.Text.Json.JsonValueKind.Number && IsLastAxis(axis.Value.GetInt32(), input))
            || (axis.Value.ValueKind == System.Text.Json.JsonValueKind.Array && axis.Value.GetArrayLength() == 1 && IsLastAxis(axis.Value[0].GetInt32(), input));
        if (!lastAxis) throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"axis {axis!.Value.GetRawText()}: only the channel axis (-1) is supported");
        bool center = lc.Bool("center", true), scale = lc.Bool("scale", true);
        double eps = lc.Double("epsilon", 1e-3);
        int c = input.Channels;
        var roles = new List<string>();
        if (scale) roles.Add("gamma");
        if (center) roles.Add("beta");
        roles.Add("moving_mean");
        roles.Add("moving_variance");
        if (vars.Count == 0)
            throw new LayerWeightsException($"{origin}: layer '{lc.Name}' ({lc.ClassName}) has no weights in the file (the config needs {string.Join(", ", roles)}, each ({c},))", lc.Name);
        if (vars.Count != roles.Count)
            throw new LayerWeightsException($"{origin}: layer '{lc.Name}' ({lc.ClassName}) has {vars.Count} weights in the file, the config needs {roles.Count} ({string.Join(", ", roles)})", lc.Name);
        var byRole = new Dictionary<string, float[]>();
        for (int i = 0; i < roles.Count; i++)
        {
            // Keras 2 names them (".../gamma:0"); Keras 3 numbers them in the same order.
            string role = roles.FirstOrDefault(r => vars[i].Name.Split('/')[^1].Split(':')[0] == r) ?? roles[i];
            CheckShape(lc, vars[i], new[] { c }, role, origin);
            byRole[role] = vars[i].Values;
        }
        if (byRole.Count != roles.Count) throw new LayerWeightsException($"{origin}: layer '{lc.Name}' ({lc.ClassName}): weights {string.Join(", ", vars.Select(v => v.Name))} do not match {string.Join(", ", roles)}", lc.Name);
        var s = new float[c];
        var t = new float[c];
        for (int i = 0; i < c; i++)
        {
            double g = scale ? byRole["gamma"][i] : 1.0, b = center ? byRole["beta"][i] : 0.0;
            double k = g / Math.Sqrt(byRole["moving_variance"][i] + eps);
            s[i] = (float)k;
            t[i] = (float)(b - byRole["moving_mean"][i] * k);
        }
        return (s, t);
    }

    private static bool IsLastAxis(int axis, FeatureShape input) => axis == -1 || axis == (input.Flat ? 1 : 3);

    private static ConvLayer FoldIntoConv(ConvLayer conv, KerasLayerConfig bn, float[] scale, float[] shift)
    {
        int cout = conv.OutChannels;
        var kernel = new float[conv.Kernel.Length];
        for (int i = 0; i < kernel.Length; i++) kernel[i] = conv.Kernel[i] * scale[i % cout];
        var bias = new float[cout];
        for (int co = 0; co < cout; co++) bias[co] = conv.Bias[co] * scale[co] + shift[co];
        return new ConvLayer
        {
            Name = bn.Name, KerasClass = conv.KerasClass + "+BatchNormalization", Input = conv.Input, Output = conv.Output,
            Window = conv.Window, Kernel = kernel, Bias = bias, Activation = conv.Activation, FoldedConv = conv.Name,
        };
    }

    private static DenseLayer FoldIntoDense(DenseLayer dense, KerasLayerConfig bn, float[] scale, float[] shift)
    {
        int cout = dense.Output.Channels;
        var kernel = new float[dense.Kernel.Length];
        for (int i = 0; i < kernel.Length; i++) kernel[i] = dense.Kernel[i] * scale[i % cout];
        var bias = new float[cout];
        for (int co = 0; co < cout; co++) bias[co] = dense.Bias[co] * scale[co] + shift[co];
        return new DenseLayer
        {
            Name = bn.Name, KerasClass = dense.KerasClass + "+BatchNormalization", Input = dense.Input, Output = dense.Output,
            Kernel = kernel, Bias = bias, Activation = dense.Activation, FoldedDense = dense.Name,
        };
    }

    private static (int T, int B, int L, int R) Padding(KerasLayerConfig lc, string origin)
    {
        var p = lc.Get("padding");
        if (p is null) return (1, 1, 1, 1);
        var v = p.Value;
        if (v.ValueKind == System.Text.Json.JsonValueKind.Number) { int a = v.GetInt32(); return (a, a, a, a); }
        if (v.ValueKind == System.Text.Json.JsonValueKind.Array && v.GetArrayLength() == 2)
        {
            if (v[0].ValueKind == System.Text.Json.JsonValueKind.Number && v[1].ValueKind == System.Text.Json.JsonValueKind.Number)
                return (v[0].GetInt32(), v[0].GetInt32(), v[1].GetInt32(), v[1].GetInt32());
            if (v[0].ValueKind == System.Text.Json.JsonValueKind.Array && v[1].ValueKind == System.Text.Json.JsonValueKind.Array && v[0].GetArrayLength() == 2 && v[1].GetArrayLength() == 2)
                return (v[0][0].GetInt32(), v[0][1].GetInt32(), v[1][0].GetInt32(), v[1][1].GetInt32());
        }
        throw new UnsupportedLayerException(origin, lc.Name, lc.ClassName, $"padding {v.GetRawText()}: expected an int, (h, w) or ((top, bottom), (left, right))");
    }
}
