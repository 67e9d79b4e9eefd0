"""Writes the NPY fixtures of NpyArrayTest with numpy, an independent writer.

Run from this directory: python3 make_fixtures.py  (numpy >= 1.17). The test recomputes every expected
value from the formula below, not from these files.

value(row, feature) = (row * 7 + feature * 3) % 101 - 50   (fits every dtype, exact in float32)
Arrays are built in logical C order with shape (rows, *trailing); files differ in dtype, byte order,
memory order and NPY format version.
"""
import numpy as np

ROWS = 5


def logical(trailing):
    features = int(np.prod(trailing))
    r = np.arange(ROWS)[:, None]
    f = np.arange(features)[None, :]
    return ((r * 7 + f * 3) % 101 - 50).reshape((ROWS,) + tuple(trailing))


def save(name, arr, version=None):
    with open(name, "wb") as fh:
        np.lib.format.write_array(fh, arr, version=version, allow_pickle=False)


for code in ["u1", "i1", "i2", "i4", "i8", "f4", "f8"]:
    for order in ["<", ">"]:
        for fortran in [False, True]:
            for version in [(1, 0), (2, 0), (3, 0)]:
                a = logical((3, 4))
                if code == "u1":
                    a = a + 50  # unsigned: 0..100
                dt = np.dtype(order + code) if code not in ("u1", "i1") else np.dtype(code)
                arr = a.astype(dt)
                arr = np.asfortranarray(arr) if fortran else np.ascontiguousarray(arr)
                bo = "be" if order == ">" else "le"
                if code in ("u1", "i1") and order == ">":
                    continue  # one byte: no byte order
                name = "%s_%s_%s_v%d.npy" % (code, bo, "F" if fortran else "C", version[0])
                save(name, arr, version)

# bool
save("b1_C_v1.npy", (logical((3, 4)) % 2 == 0))
# the two shapes of the seed files, C and Fortran
save("image_28x28_u1_F.npy", np.asfortranarray((logical((28, 28)) + 50).astype(np.uint8)))
save("image_1x28x28_f4_C.npy", logical((1, 28, 28)).astype("<f4"))
save("audio_39x13_f4_F.npy", np.asfortranarray(logical((39, 13)).astype("<f4")))
save("audio_507_f8_be.npy", logical((507,)).astype(">f8"))

# broken files
with open("f4_le_C_v1.npy", "rb") as fh:
    good = fh.read()
with open("truncated.npy", "wb") as fh:
    fh.write(good[:-6])
with open("bad_magic.npy", "wb") as fh:
    fh.write(b"\x93NUMPX" + good[6:])
with open("trailing.npy", "wb") as fh:
    fh.write(good + b"\x00\x00\x00\x00")
nan = logical((3, 4)).astype("<f4")
nan[3, 1] = np.nan
save("nan_row3.npy", nan)
save("vector.npy", np.arange(4, dtype="<f4"))
save("complex.npy", np.zeros((2, 2), dtype="<c8"))
