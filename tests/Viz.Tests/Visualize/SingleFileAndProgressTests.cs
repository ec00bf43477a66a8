using System.Text;
using CnnEngine.Viz.Report;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Tests.Visualize;

public class SingleFileAndProgressTests
{
    [Fact]
    public void InliningTurnsPictureSourcesIntoDataUrisAndDropsTheirLinks()
    {
        string html = "<img src=\"input.png\" alt=\"i\"><a href=\"layers/00.block1_conv1_0-64.png\"><img src=\"layers/00.block1_conv1_0-64.png\" alt=\"g\"></a>" +
                      "<img src=\"zoom.gif\" alt=\"z\"><a href=\"npy/block1_conv1.npy\">npy</a>";
        var assets = new Dictionary<string, byte[]>
        {
            ["input.png"] = [1, 2, 3], ["layers/00.block1_conv1_0-64.png"] = [4, 5], ["zoom.gif"] = Encoding.ASCII.GetBytes("GIF89a"),
        };
        string inlined = SingleFileReport.Inline(html, relative => assets[relative]);
        Assert.Equal("<img src=\"data:image/png;base64,AQID\" alt=\"i\"><img src=\"data:image/png;base64,BAU=\" alt=\"g\">" +
                     "<img src=\"data:image/gif;base64,R0lGODlh\" alt=\"z\"><a href=\"npy/block1_conv1.npy\">npy</a>", inlined);
    }

    [Fact]
    public void EscapedPathsAreReadUnescaped()
    {
        string inlined = SingleFileReport.Inline("<img src=\"deconv/a%20b.png\">", relative =>
        {
            Assert.Equal("deconv/a b.png", relative);
            return [9];
        });
        Assert.Equal("<img src=\"data:image/png;base64,CQ==\">", inlined);
    }

    [Fact]
    public void LineProgressSaysDoneOnceForEveryStage()
    {
        var text = new StringWriter();
        new LineVizProgress(text).Run(scope =>
        {
            var grids = scope.Start("layer grids", 18);
            var gif = scope.Start("journey.gif", 1);
            for (int i = 0; i < 18; i++) grids.Advance();
            grids.Done();
            gif.Done();
            gif.Done(); // twice: still one line
            return 0;
        });
        string[] lines = text.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("layer grids: done (18, ", lines[0]);
        Assert.StartsWith("journey.gif: done (", lines[1]);
        Assert.DoesNotContain("%", text.ToString());
    }
}
