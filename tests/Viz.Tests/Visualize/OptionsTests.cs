using System.CommandLine;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Tests.Visualize;

public class OptionsTests
{
    private static VisualizeOptions Parse(params string[] args)
    {
        var command = new RootCommand("test");
        VisualizeOptions.AddTo(command);
        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        return VisualizeOptions.Bind(result);
    }

    [Fact]
    public void DefaultsDrawEverythingWithViridis()
    {
        var o = Parse();
        Assert.Equal(18, o.Layers.Count);
        Assert.Equal("viridis", o.Colormap.Name);
        Assert.Null(o.Channels);
        Assert.Null(o.Zoom);
        Assert.Null(o.OutputDirectory);
        Assert.False(o.SharedScale || o.WithPools || o.Force);
        Assert.Equal(VisualizeOptions.DefaultFrameDelayMs, o.FrameDelayMs);
    }

    [Fact]
    public void EveryOptionBinds()
    {
        var o = Parse("--out", "x", "--force", "--colormap", "magma", "--shared-scale", "--layers", "block5_pool, block1_conv1",
            "--channels", "0-16", "--with-pools", "--frame-delay", "250", "--zoom", "10,20");
        Assert.Equal("x", o.OutputDirectory);
        Assert.True(o.Force && o.SharedScale && o.WithPools);
        Assert.Equal("magma", o.Colormap.Name);
        Assert.Equal(new[] { "block1_conv1", "block5_pool" }, o.Layers); // network order
        Assert.Equal(new ChannelRange(0, 16), o.Channels);
        Assert.Equal(250, o.FrameDelayMs);
        Assert.Equal((10, 20), o.Zoom);
    }

    [Theory]
    [InlineData("--layers", "block6_conv1", "unknown layer 'block6_conv1'")]
    [InlineData("--layers", "fc1", "unknown layer 'fc1'")]
    [InlineData("--layers", ",", "--layers is empty")]
    [InlineData("--channels", "5-5", "is empty")]
    [InlineData("--channels", "9-3", "is empty")]
    [InlineData("--channels", "a-b", "is not FIRST-LAST")]
    [InlineData("--channels", "-3-4", "is not FIRST-LAST")]
    [InlineData("--channels", "16", "is not FIRST-LAST")]
    [InlineData("--channels", "64-80", "block1_conv1 has only 64 channels")]
    [InlineData("--colormap", "jet", "unknown colormap 'jet'")]
    [InlineData("--frame-delay", "5", "out of range")]
    [InlineData("--zoom", "10", "is not X,Y")]
    [InlineData("--zoom", "-1,4", "must not be negative")]
    public void BadValuesAreOneClearLine(string option, string value, string message)
    {
        var e = Assert.Throws<CliException>(() => Parse(option, value));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(2, e.ExitCode); // a usage error
    }

    [Fact]
    public void AChannelRangeBeyondSmallLayersIsFineWhenOnlyWideLayersAreChosen()
    {
        var o = Parse("--layers", "block5_conv3", "--channels", "100-600");
        Assert.Equal(new ChannelRange(100, 512), o.Channels!.Value.ClampTo(512));
    }
}
