namespace CnnEngine.Weights;

/// <summary>What a store knows about how its tensors are stored (for inspect); implemented by every store WeightStore.Open returns.</summary>
public interface IWeightStoreDetails
{
    /// <summary>Element type as stored: "f2", "f4", "f8" for HDF5; "F32" for safetensors.</summary>
    string StoredDtype(string tensorName);

    /// <summary>Where the tensor is in the file: the HDF5 dataset path, or null for safetensors.</summary>
    string? StoredLocation(string tensorName);

    /// <summary>File-level metadata: safetensors __metadata__; empty for HDF5.</summary>
    IReadOnlyDictionary<string, string> Metadata { get; }
}
