namespace CnnEngine.Fuzz;

/// <summary>Every parser the project owns, in a fixed order.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All(SeedFolders folders, string scratchDirectory) => new FuzzTarget[]
    {
        new Hdf5Target(folders, scratchDirectory),
        new KerasTarget(folders, scratchDirectory),
        new SafeTensorsTarget(folders, scratchDirectory),
        new FeaturesJsonTarget(),
        new ImageTarget(folders, png: true),
        new ImageTarget(folders, png: false),
    };
}
