namespace CnnEngine.Weights;

/// <summary>One of the keras-applications release files: its name (also its name in Keras's cache) and md5.</summary>
public sealed record KerasWeightsFile(string FileName, string Md5, bool IncludesTop)
{
    /// <summary>Full VGG16 (with fc1, fc2, predictions): 553 MB.</summary>
    public static readonly KerasWeightsFile Top = new("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b", true);

    /// <summary>VGG16 convolutional base only: 58.9 MB.</summary>
    public static readonly KerasWeightsFile NoTop = new("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "6d6bbae143d832006294945121d1f1fc", false);

    /// <summary>
    /// Where keras.applications.VGG16 downloads them from (keras/src/applications/vgg16.py, WEIGHTS_PATH):
    /// the keras-applications files on Google Cloud Storage. (Keras 2.0 used the GitHub release
    /// https://github.com/fchollet/deep-learning-models/releases/download/v0.1/ — same files, same md5.)
    /// </summary>
    public static readonly Uri KerasBaseUrl = new("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/");
}
