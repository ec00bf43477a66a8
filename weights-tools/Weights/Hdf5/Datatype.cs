namespace CnnEngine.Weights.Hdf5;

internal enum DatatypeKind { Integer, Float, FixedString, VarString, Other }

/// <summary>
/// Datatype message: what this reader can decode — IEEE little-endian f16/f32/f64, integers (attributes only),
/// fixed-length strings and variable-length strings (global heap). Anything else is kept as <see cref="DatatypeKind.Other"/>
/// and fails only if its values are read.
/// </summary>
internal sealed record Datatype(DatatypeKind Kind, int Size, string Description, long FileOffset, bool Signed = false)
{
    public static Datatype Parse(ByteCursor c)
    {
        long at = c.Here;
        int classAndVersion = c.U8();
        int cls = classAndVersion & 0x0f;
        int b0 = c.U8(), b1 = c.U8(), b2 = c.U8();
        int size = (int)c.U32();
        _ = b2;
        switch (cls)
        {
            case 0: // fixed-point
            {
                bool bigEndian = (b0 & 1) != 0;
                bool signed = (b0 & 0x08) != 0;
                c.Skip(4); // bit offset, precision
                if (bigEndian || size is not (1 or 2 or 4 or 8)) return new Datatype(DatatypeKind.Other, size, $"{(bigEndian ? "big-endian " : "")}{size}-byte integer", at);
                return new Datatype(DatatypeKind.Integer, size, $"{(signed ? "i" : "u")}{size}", at, signed);
            }
            case 1: // floating point
            {
                int byteOrder = (b0 & 1) | ((b0 >> 5) & 2); // bit 0 and bit 6 (VAX)
                int signLocation = b1;
                int bitOffset = c.U16(), precision = c.U16();
                int expLocation = c.U8(), expSize = c.U8(), mantLocation = c.U8(), mantSize = c.U8();
                uint expBias = c.U32();
                bool ieee = byteOrder == 0 && bitOffset == 0 && (size, precision, signLocation, expLocation, expSize, mantLocation, mantSize, expBias) switch
                {
                    (2, 16, 15, 10, 5, 0, 10, 15) => true,
                    (4, 32, 31, 23, 8, 0, 23, 127) => true,
                    (8, 64, 63, 52, 11, 0, 52, 1023) => true,
                    _ => false,
                };
                if (!ieee)
                    return new Datatype(DatatypeKind.Other, size, $"{(byteOrder != 0 ? "big-endian or VAX " : "non-IEEE ")}{size}-byte float", at);
                return new Datatype(DatatypeKind.Float, size, $"f{size}", at);
            }
            case 3: // string
                return new Datatype(DatatypeKind.FixedString, size, $"fixed string[{size}]", at);
            case 9: // variable length
            {
                int vlType = b0 & 0x0f;
                if (vlType == 1) return new Datatype(DatatypeKind.VarString, size, "variable-length string", at);
                return new Datatype(DatatypeKind.Other, size, "variable-length sequence", at);
            }
            default:
                string name = cls switch { 2 => "time", 4 => "bitfield", 5 => "opaque", 6 => "compound", 7 => "reference", 8 => "enum", 10 => "array", _ => $"class {cls}" };
                return new Datatype(DatatypeKind.Other, size, name, at);
        }
    }
}
