using System.Globalization;
using System.Text;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// A small line chart drawn by hand, twice from the same layout: as SVG text and as pixels (for PNG).
/// One series, x and y axes with 5 ticks each, a title and axis labels.
/// </summary>
internal sealed class LineChart
{
    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public required double[] X { get; init; }
    public required double[] Y { get; init; }
    public int Width { get; init; } = 360;
    public int Height { get; init; } = 240;

    private const int Left = 56, Right = 12, Top = 24, Bottom = 36, Ticks = 5;

    private (double X0, double X1, double Y0, double Y1) Bounds()
    {
        double x0 = X.Min(), x1 = X.Max(), y0 = Math.Min(0, Y.Where(double.IsFinite).DefaultIfEmpty(0).Min()), y1 = Y.Where(double.IsFinite).DefaultIfEmpty(1).Max();
        if (x1 <= x0) x1 = x0 + 1;
        if (y1 <= y0) y1 = y0 + 1;
        return (x0, x1, y0, y1 * 1.05);
    }

    private (double Px, double Py) Map(double x, double y)
    {
        var b = Bounds();
        double px = Left + (x - b.X0) / (b.X1 - b.X0) * (Width - Left - Right);
        double py = Height - Bottom - (y - b.Y0) / (b.Y1 - b.Y0) * (Height - Top - Bottom);
        return (px, py);
    }

    private static string Num(double v) => Math.Abs(v) >= 1000 || (Math.Abs(v) < 0.01 && v != 0) ? v.ToString("0.##E0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    public string ToSvg()
    {
        var b = Bounds();
        var s = new StringBuilder();
        s.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"10\">\n");
        s.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        s.Append($"<text x=\"{Width / 2}\" y=\"14\" text-anchor=\"middle\" font-size=\"12\">{Escape(Title)}</text>\n");
        s.Append($"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        s.Append($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        for (int i = 0; i <= Ticks; i++)
        {
            double xv = b.X0 + (b.X1 - b.X0) * i / Ticks, yv = b.Y0 + (b.Y1 - b.Y0) * i / Ticks;
            var (px, _) = Map(xv, b.Y0);
            var (_, py) = Map(b.X0, yv);
            s.Append($"<line x1=\"{F(px)}\" y1=\"{Height - Bottom}\" x2=\"{F(px)}\" y2=\"{Height - Bottom + 4}\" stroke=\"black\"/><text x=\"{F(px)}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{Num(xv)}</text>\n");
            s.Append($"<line x1=\"{Left - 4}\" y1=\"{F(py)}\" x2=\"{Left}\" y2=\"{F(py)}\" stroke=\"black\"/><text x=\"{Left - 6}\" y=\"{F(py + 3)}\" text-anchor=\"end\">{Num(yv)}</text>\n");
        }
        s.Append($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        s.Append($"<text x=\"12\" y=\"{(Top + Height - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {(Top + Height - Bottom) / 2})\">{Escape(YLabel)}</text>\n");
        var points = Enumerable.Range(0, X.Length).Where(i => double.IsFinite(Y[i])).Select(i => Map(X[i], Y[i])).Select(p => $"{F(p.Px)},{F(p.Py)}");
        s.Append($"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"{string.Join(' ', points)}\"/>\n");
        foreach (var i in Enumerable.Range(0, X.Length).Where(i => double.IsFinite(Y[i])))
        {
            var (px, py) = Map(X[i], Y[i]);
            s.Append($"<circle cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"2.5\" fill=\"#1f77b4\"/>\n");
        }
        s.Append("</svg>\n");
        return s.ToString();
    }

    public RgbCanvas ToCanvas()
    {
        var b = Bounds();
        var c = new RgbCanvas(Width, Height);
        c.Fill(Rgb.White);
        var ink = Rgb.Black;
        var blue = new Rgb(31, 119, 180);
        Text(c, Title, Width / 2 - BitmapFont.Measure(Title).Width / 2, 4, ink);
        Line(c, Left, Height - Bottom, Width - Right, Height - Bottom, ink);
        Line(c, Left, Top, Left, Height - Bottom, ink);
        for (int i = 0; i <= Ticks; i++)
        {
            double xv = b.X0 + (b.X1 - b.X0) * i / Ticks, yv = b.Y0 + (b.Y1 - b.Y0) * i / Ticks;
            int px = (int)Math.Round(Map(xv, b.Y0).Px), py = (int)Math.Round(Map(b.X0, yv).Py);
            Line(c, px, Height - Bottom, px, Height - Bottom + 4, ink);
            string xt = Num(xv);
            Text(c, xt, px - BitmapFont.Measure(xt).Width / 2, Height - Bottom + 6, ink);
            Line(c, Left - 4, py, Left, py, ink);
            string yt = Num(yv);
            Text(c, yt, Left - 6 - BitmapFont.Measure(yt).Width, py - 4, ink);
        }
        Text(c, XLabel, (Left + Width - Right) / 2 - BitmapFont.Measure(XLabel).Width / 2, Height - 12, ink);
        Text(c, YLabel, 2, Top - 14 + 2, ink);
        var pts = Enumerable.Range(0, X.Length).Where(i => double.IsFinite(Y[i])).Select(i => Map(X[i], Y[i])).ToArray();
        for (int i = 1; i < pts.Length; i++)
            for (int o = -1; o <= 0; o++) // 2 px wide
                Line(c, (int)Math.Round(pts[i - 1].Px), (int)Math.Round(pts[i - 1].Py) + o, (int)Math.Round(pts[i].Px), (int)Math.Round(pts[i].Py) + o, blue);
        foreach (var p in pts) c.FillRect((int)Math.Round(p.Px) - 2, (int)Math.Round(p.Py) - 2, 5, 5, blue);
        return c;
    }

    private static void Text(RgbCanvas c, string text, int x, int y, Rgb color) =>
        BitmapFont.Draw(c, x, y, new string(text.Select(ch => BitmapFont.HasGlyph(ch) ? ch : '?').ToArray()), color);

    /// <summary>Bresenham: every pixel the segment crosses, one per step along the major axis.</summary>
    private static void Line(RgbCanvas c, int x0, int y0, int x1, int y1, Rgb color)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            c.SetPixel(x0, y0, color);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
