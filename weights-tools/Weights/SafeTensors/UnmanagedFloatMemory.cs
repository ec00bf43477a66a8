using System.Buffers;

namespace CnnEngine.Weights.SafeTensors;

/// <summary>Exposes floats at a pointer into a memory-mapped view as Memory&lt;float&gt;, without copying. The mapping owns the memory.</summary>
internal sealed unsafe class UnmanagedFloatMemory : MemoryManager<float>
{
    private readonly float* _pointer;
    private readonly int _length;

    public UnmanagedFloatMemory(float* pointer, int length) { _pointer = pointer; _length = length; }

    public override Span<float> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)_length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
