using System.Reflection;
using System.Text.RegularExpressions;
using CnnEngine.Kernels.Ops;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit.Abstractions;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// Every kernel entry point of kernels/Ops compiled to PTX with ILGPU's PTX backend — no GPU needed — for sm_60, sm_80
/// and sm_90. A kernel that fails to compile fails here, in CI, not on a user's GPU. The PTX must declare the entry,
/// and use only grid dimension x (%ctaid.x): CUDA limits grid y and z to 65,535 groups, x to 2³¹−1, so a kernel that
/// read %ctaid.y/z could hit the limit on a large batch. The register and shared-memory figures are printed (and
/// quoted in docs/kernels.md).
/// </summary>
public sealed partial class PtxTests(ITestOutputHelper output)
{
    /// <summary>Every public static kernel method in kernels/Ops (their first parameter is an ArrayView).</summary>
    public static IReadOnlyList<MethodInfo> EntryPoints { get; } = typeof(ConvShape).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(ConvShape).Namespace && t.IsClass && t.IsAbstract && t.IsSealed)   // static classes
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
        .Where(m => m.ReturnType == typeof(void) && m.GetParameters() is { Length: > 0 } p && p[0].ParameterType.IsGenericType
                    && p[0].ParameterType.GetGenericTypeDefinition() == typeof(ArrayView<>))
        .OrderBy(m => m.DeclaringType!.Name).ThenBy(m => m.Name)
        .ToList();

    public static TheoryData<string> Architectures => new() { "SM_60", "SM_80", "SM_90" };

    [Fact]
    public void TheKernelListIsComplete()
    {
        var names = EntryPoints.Select(m => $"{m.DeclaringType!.Name}.{m.Name}").ToList();
        Assert.Equal(new[]
        {
            "ActivationKernel.Kernel", "AvgPool2dKernel.Kernel", "ChannelAffineKernel.Kernel", "Conv2dGeneralKernel.Kernel",
            "Conv3x3NaiveKernel.Kernel", "Conv3x3RegBlockKernel.Kernel", "Conv3x3TiledKernel.Kernel",
            "Conv3x3WinogradKernel.Gemm", "Conv3x3WinogradKernel.InputTransform", "Conv3x3WinogradKernel.OutputTransform",
            "ConvTranspose3x3Kernel.Kernel", "DenseKernel.Kernel", "GlobalPoolKernel.Kernel", "MaxPool2dKernel.Kernel", "MaxPool2x2Kernel.Kernel",
            "RectifyKernel.Guided", "RectifyKernel.Kernel", "SoftmaxKernel.Kernel", "Unpool2x2Kernel.Kernel", "ZeroPadKernel.Kernel",
        }, names);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void EveryKernelCompilesToPtx(string architecture)
    {
        var arch = architecture switch
        {
            "SM_60" => CudaArchitecture.SM_60,
            "SM_80" => CudaArchitecture.SM_80,
            _ => CudaArchitecture.SM_90,
        };
        using var context = Context.Create(b => b.EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(arch), arch, CudaInstructionSet.ISA_80, null);
        foreach (var method in EntryPoints)
        {
            string name = $"{method.DeclaringType!.Name}.{method.Name}";
            var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), new KernelSpecialization());
            string ptx = compiled.PTXAssembly;
            Assert.Contains(".entry ", ptx);
            var target = TargetRegex().Match(ptx);
            // ILGPU 1.5.3 writes `.target sm_80` for SM_90 (measured: it caps the target at sm_80); the driver JIT-compiles
            // sm_80 PTX for any newer GPU, so that is a valid module for an H100/H200. Below sm_80 the target is exact.
            int requested = int.Parse(architecture[3..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(target.Success, $"{name}: no .target line");
            Assert.Equal(Math.Min(requested, 80), int.Parse(target.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.DoesNotContain("%ctaid.y", ptx);   // 1-D grids only: no 65,535-group trap
            Assert.DoesNotContain("%ctaid.z", ptx);
            var facts = Facts(ptx);
            output.WriteLine($"{architecture} {name}: {facts}");
        }
    }

    /// <summary>".reg .f32 %f&lt;34&gt;;" lines summed per kind, and ".shared" bytes.</summary>
    internal static string Facts(string ptx)
    {
        var regs = RegRegex().Matches(ptx).GroupBy(m => m.Groups[1].Value).Select(g => $"{g.Key}:{g.Sum(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))}");
        long shared = SharedRegex().Matches(ptx).Sum(m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) * ElementBytes(m.Groups[1].Value));
        long local = LocalRegex().Matches(ptx).Sum(m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) * ElementBytes(m.Groups[1].Value));
        return $"regs {string.Join(' ', regs)}; shared {shared} B; local {local} B; {ptx.Split('\n').Length} lines";
    }

    private static int ElementBytes(string type) => type switch { "b8" or "u8" or "s8" => 1, "b16" or "u16" or "s16" or "f16" => 2, "b64" or "u64" or "s64" or "f64" => 8, _ => 4 };

    [GeneratedRegex(@"\.target\s+sm_(\d+)")]
    private static partial Regex TargetRegex();

    [GeneratedRegex(@"\.reg\s+\.(\w+)\s+%\w+<(\d+)>")]
    private static partial Regex RegRegex();

    [GeneratedRegex(@"\.local\s+(?:\.align\s+\d+\s+)?\.(\w+)\s+\w+\[(\d+)\]")]
    private static partial Regex LocalRegex();

    [GeneratedRegex(@"\.shared\s+(?:\.align\s+\d+\s+)?\.(\w+)\s+\w+\[(\d+)\]")]
    private static partial Regex SharedRegex();
}
