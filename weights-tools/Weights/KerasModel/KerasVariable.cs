namespace CnnEngine.Weights.KerasModel;

/// <summary>One weight of a layer as stored: its name in the file ("conv2d/kernel:0", "vars/0"), shape and float32 values.</summary>
public sealed record KerasVariable(string Name, int[] Shape, float[] Values);
