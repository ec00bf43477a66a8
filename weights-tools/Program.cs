using CnnEngine.WeightsTools.Cli;

// weights-tools: read Keras VGG16 weights without Python.
//   weights-tools inspect FILE [--json]                    layers, shapes, dtypes, parameters, top, checksums, layout
//   weights-tools convert IN.h5 -o OUT.safetensors         F32 safetensors, Keras names and shapes, source sha256 in metadata
//   weights-tools download [--notop] [--out DIR]           the keras-applications release file, md5-checked
return WeightsToolsCli.Run(args);
