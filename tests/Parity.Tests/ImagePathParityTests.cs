using CnnEngine.Imaging;
using CnnEngine.TestSupport;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// The C# image path (decode → keras.utils.load_img resize → vgg16.preprocess_input) against the reference's
/// input.npy (PIL decode + PIL resize + numpy float32 preprocessing) on real photos: JPEG, RGB and RGBA PNG,
/// 224×224 (no resize), 500×348 / 500×375 resized nearest and bilinear, and native size.
/// Tolerance 1e-6 of max |value| — far below one grey level (1/255 of the range is ~4e-3 of it), so any pixel
/// that decodes or resamples differently fails; the log says how many values are bit-identical.
/// </summary>
[Trait("Category", "FullSize")]
public class ImagePathParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in FullSizeReference.InputCases) data.Add(c.Name);
            return data;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Csharp_image_path_equals_keras_load_img_and_preprocess_input(string caseName)
    {
        Python.SkipIfUnavailable();
        var c = FullSizeCpuParityTests.Find(caseName);
        var expected = FullSizeReference.Load(c, "input");
        ImageSize? size = c.Resize == "native" ? null : ImageSize.Vgg16Top;
        var mode = c.Resize == "bilinear" ? ResizeMode.Bilinear : ResizeMode.Nearest;
        var image = ImagePipeline.LoadForNetwork(Paths.SharedImage(c.Image), size, mode);
        Assert.Equal(expected.Shape, image.Input.Shape);
        float[] e = expected.AsFloat32();
        int identical = 0;
        for (int i = 0; i < e.Length; i++) if (BitConverter.SingleToInt32Bits(e[i]) == BitConverter.SingleToInt32Bits(image.Input.Data[i])) identical++;
        double rel = Compare.AssertClose(e, image.Input.Data, 1e-6, $"{c.Name} input");
        output.WriteLine($"{c.Name}: shape {string.Join("x", expected.Shape)}, {identical}/{e.Length} values bit-identical, max rel err {rel:E2}");
    }
}
