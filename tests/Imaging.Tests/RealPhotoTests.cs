using CnnEngine.TestSupport;

namespace CnnEngine.Imaging.Tests;

/// <summary>
/// The real photos of ../shared/images (plus a size sweep on a committed picture): decode and resize equal PIL's,
/// pixel for pixel, with PIL run at test time.
/// </summary>
public class RealPhotoTests
{
    public static TheoryData<int, string> CaseIndices()
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < PilReference.Cases.Length; i++) data.Add(i, PilReference.Cases[i].ToString());
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(CaseIndices))]
    public void MatchesPil(int index, string description)
    {
        PilReference.Case c = PilReference.Cases[index];
        string path = c.FullPath;
        Skip.IfNot(File.Exists(path), $"skipped: {path} not present");
        Python.SkipIfUnavailable();

        RgbImage actual = ImageLoader.Load(path);
        if (!c.IsDecodeOnly) actual = ImageResizer.Resize(actual, c.Width, c.Height, c.Mode);
        Fixtures.AssertPixelsEqual(PilReference.Expected(index), actual, description);
    }
}
