using System.Text;
using System.Text.RegularExpressions;

namespace CnnEngine.TestSupport;

/// <summary>A minimal .npy reader for tests (little-endian f4 / i4 / u1, C order), independent of the product's writer.</summary>
public static partial class Npy
{
    public sealed record Array(string Dtype, int[] Shape, byte[] Raw)
    {
        public float[] AsFloat32()
        {
            if (Dtype != "<f4") throw new InvalidDataException($"npy dtype is {Dtype}, expected <f4");
            var a = new float[Raw.Length / 4];
            Buffer.BlockCopy(Raw, 0, a, 0, Raw.Length);
            return a;
        }

        public int[] AsInt32()
        {
            if (Dtype != "<i4") throw new InvalidDataException($"npy dtype is {Dtype}, expected <i4");
            var a = new int[Raw.Length / 4];
            Buffer.BlockCopy(Raw, 0, a, 0, Raw.Length);
            return a;
        }

        public byte[] AsUInt8()
        {
            if (Dtype != "|u1") throw new InvalidDataException($"npy dtype is {Dtype}, expected |u1");
            return Raw;
        }
    }

    public static Array Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file");
        int major = bytes[6];
        int headerLen, headerStart;
        if (major == 1) { headerLen = BitConverter.ToUInt16(bytes, 8); headerStart = 10; }
        else { headerLen = (int)BitConverter.ToUInt32(bytes, 8); headerStart = 12; }
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLen);
        string dtype = DescrRegex().Match(header).Groups[1].Value;
        if (FortranRegex().Match(header).Groups[1].Value != "False") throw new InvalidDataException($"{path}: Fortran order");
        string shapeText = ShapeRegex().Match(header).Groups[1].Value;
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        int dataStart = headerStart + headerLen;
        return new Array(dtype, shape, bytes.AsSpan(dataStart).ToArray());
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")] private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order':\s*(True|False)")] private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")] private static partial Regex ShapeRegex();
}
