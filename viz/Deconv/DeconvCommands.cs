using System.CommandLine;

namespace CnnEngine.Viz.Deconv;

/// <summary>The deconvnet experiments as engine-viz commands: deconv, occlusion, features, merge, invariance.</summary>
public static class DeconvCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(DeconvCommand.Build());
        root.Subcommands.Add(OcclusionCommand.Build());
        root.Subcommands.Add(FeaturesCommand.BuildFeatures());
        root.Subcommands.Add(FeaturesCommand.BuildMerge());
        root.Subcommands.Add(InvarianceCommand.Build());
    }
}
