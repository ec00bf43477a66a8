using CnnEngine.Viz.Live;

namespace CnnEngine.Server.Tests.Browser;

/// <summary>96² inputs (small maps, quick forwards and occlusion), the default limits.</summary>
public sealed class BrowserServerFixture : ServerFixture
{
    protected override ExplorerOptions Options => new(InputSide: 96, QueueCapacity: 4, CacheBytes: 256L << 20, OcclusionBatch: 4);
}
