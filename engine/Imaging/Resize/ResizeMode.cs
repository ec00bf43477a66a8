namespace CnnEngine.Imaging;

/// <summary>The two resamplers keras.utils.load_img offers that this project supports ("nearest" is Keras's default).</summary>
public enum ResizeMode
{
    /// <summary>PIL <c>Image.NEAREST</c>.</summary>
    Nearest,
    /// <summary>PIL <c>Image.BILINEAR</c> (antialiased when shrinking).</summary>
    Bilinear,
}
