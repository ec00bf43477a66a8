namespace CnnEngine.Deconv;

/// <summary>What is sent down from the chosen feature map.</summary>
public enum ProjectionMode
{
    /// <summary>Only the strongest activation of the map is kept, everything else zeroed (the paper's Fig. 2/4).</summary>
    Max,
    /// <summary>The whole map (all of channel k's activations), every other channel zeroed.</summary>
    Map,
    /// <summary>Guided backprop: the strongest activation as in <see cref="Max"/>, but every rectification also
    /// zeroes the signal where the forward ReLU was closed (Springenberg et al.).</summary>
    Guided,
}

public static class ProjectionModes
{
    public static ProjectionMode Parse(string text) => text.ToLowerInvariant() switch
    {
        "max" => ProjectionMode.Max,
        "map" => ProjectionMode.Map,
        "guided" => ProjectionMode.Guided,
        _ => throw new DeconvException($"unknown projection mode '{text}' (expected max, map or guided)"),
    };

    public static string Name(this ProjectionMode mode) => mode.ToString().ToLowerInvariant();
}
