using CnnEngine.Imaging.Jpeg;

namespace CnnEngine.Imaging.Tests;

[CollectionDefinition(nameof(JpegLibrarySwapCollection), DisableParallelization = true)]
public sealed class JpegLibrarySwapCollection;

/// <summary>
/// Without libturbojpeg.so.0 a JPEG load must say what to install. The library cannot be removed from under a test,
/// so the first native call is replaced by what the runtime throws then (DllNotFoundException / EntryPointNotFoundException).
/// Runs alone (no parallel JPEG tests see the swapped seam).
/// </summary>
[Collection(nameof(JpegLibrarySwapCollection))]
public class JpegLibraryMissingTests
{
    [Fact]
    public void MissingLibraryTellsUserToInstallLibturbojpeg0()
    {
        var saved = JpegDecoder.InitDecompress;
        try
        {
            JpegDecoder.InitDecompress = () => throw new DllNotFoundException("Unable to load shared library 'libturbojpeg.so.0'");
            var e = Assert.Throws<JpegLibraryMissingException>(() => ImageLoader.Load(Fixtures.Jpeg("gray.jpg")));
            Assert.Contains("gray.jpg", e.Message);
            Assert.Contains("apt-get install libturbojpeg0", e.Message);
            Assert.DoesNotContain('\n', e.Message);

            JpegDecoder.InitDecompress = () => throw new EntryPointNotFoundException("tjInitDecompress");
            Assert.Throws<JpegLibraryMissingException>(() => ImageLoader.Load(Fixtures.Jpeg("gray.jpg")));
        }
        finally
        {
            JpegDecoder.InitDecompress = saved;
        }
        // PNG needs no native library at all; JPEG works again with the real seam.
        ImageLoader.Load(Fixtures.Png("rgb8.png"));
        ImageLoader.Load(Fixtures.Jpeg("gray.jpg"));
    }
}
