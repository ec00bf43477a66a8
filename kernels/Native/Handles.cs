using Microsoft.Win32.SafeHandles;

namespace CnnEngine.Kernels.Native;

// One SafeHandle per kind of native object, so every object is released exactly once — by Dispose, or by the
// finalizer if an exception skipped it. The release functions cannot throw; a failed release is ignored.

internal sealed class ClContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ClContextHandle(nint h) : base(true) => SetHandle(h);
    protected override bool ReleaseHandle() => OpenCl.clReleaseContext(handle) == 0;
}

internal sealed class ClQueueHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ClQueueHandle(nint h) : base(true) => SetHandle(h);
    protected override bool ReleaseHandle() => OpenCl.clReleaseCommandQueue(handle) == 0;
}

internal sealed class ClProgramHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ClProgramHandle(nint h) : base(true) => SetHandle(h);
    protected override bool ReleaseHandle() => OpenCl.clReleaseProgram(handle) == 0;
}

internal sealed class ClKernelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ClKernelHandle(nint h) : base(true) => SetHandle(h);
    protected override bool ReleaseHandle() => OpenCl.clReleaseKernel(handle) == 0;
}

internal sealed class ClMemHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ClMemHandle(nint h) : base(true) => SetHandle(h);
    protected override bool ReleaseHandle() => OpenCl.clReleaseMemObject(handle) == 0;
}

internal sealed class CudaContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public CudaContextHandle(nint h) : base(true) => SetHandle(h);
    protected override bool ReleaseHandle() => Cuda.cuCtxDestroy_v2(handle) == 0;
}

internal sealed class CudaModuleHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly nint _context;
    public CudaModuleHandle(nint h, nint context) : base(true) { SetHandle(h); _context = context; }
    protected override bool ReleaseHandle() { Cuda.cuCtxSetCurrent(_context); return Cuda.cuModuleUnload(handle) == 0; }
}

/// <summary>A CUdeviceptr. Freed with its context made current (the finalizer runs on another thread).</summary>
internal sealed class CudaMemoryHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly nint _context;
    public CudaMemoryHandle(ulong ptr, nint context) : base(true) { SetHandle((nint)ptr); _context = context; }
    public ulong Pointer => (ulong)handle;
    protected override bool ReleaseHandle() { Cuda.cuCtxSetCurrent(_context); return Cuda.cuMemFree_v2((ulong)handle) == 0; }
}

internal sealed unsafe class NvrtcProgramHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public NvrtcProgramHandle(nint h) : base(true) => SetHandle(h);
    protected override bool ReleaseHandle() { nint h = handle; return Nvrtc.nvrtcDestroyProgram(&h) == 0; }
}
