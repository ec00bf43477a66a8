using System.CommandLine;
using CnnEngine.Viz.Cli;

// engine-viz: run VGG16 on an image and show what each layer sees.
//   engine-viz IMAGE [--weights W] [--device D] [--export-npy DIR] [--out DIR]   the default run (pictures + report)
//   engine-viz bench --batch N --iterations K [--json]                           forward timing
//   engine-viz --list-devices                                                    every device and its backend
//   engine-viz deconv | occlusion | features | merge | invariance …               Zeiler & Fergus experiments
return EngineVizCli.Run(args);
