"""The firmware's portable C kernels (spinnc/firmware/kernels) against the
Python kernels, bit for bit.

The C files are compiled with the host's gcc into a shared library in a pytest
temporary directory (with a small wrapper that exports the header's inline
functions) and called through ctypes on numpy arrays; every result is compared
with :mod:`spinnc.fixed`, :mod:`spinnc.firmware_sim.kernels` and the neuron
models' fixed steps in :mod:`spinnc.neurons`.  The same files must also
compile warning-free for the ARM968E-S with arm-none-eabi-gcc and call nothing
outside themselves (no libgcc division, no floating point, no libc).
Without gcc (or arm-none-eabi-gcc) the tests skip, saying why.
"""

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc import fixed
from spinnc.firmware_sim.kernels import FilterBank, MemberInputs

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "spinnc" / "firmware" / "kernels"
INCLUDE = ROOT / "spinnc" / "firmware" / "include"
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
ONE15, ONE30 = 1 << 15, 1 << 30

CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{KERNELS}", f"-I{INCLUDE}"]
ARM_FLAGS = ["-mcpu=arm968e-s", "-marm", "-O2", "-std=c99", "-Wall", "-Wextra",
             "-ffreestanding", "-Werror", f"-I{KERNELS}", f"-I{INCLUDE}"]

#: Exported wrappers of fixed.h's inline functions, for the tests only.
WRAPPERS = r"""
#include "fixed.h"
#include "filter.h"

int32_t test_sat(int64_t x) { return spinnc_sat(x); }
int32_t test_round(int64_t acc, unsigned frac) { return spinnc_round(acc, frac); }
void test_mul(const int32_t *a, const int32_t *b, int32_t *out, size_t n, unsigned frac)
{
    size_t i;
    for (i = 0; i < n; i++) {
        out[i] = frac == 15 ? spinnc_mul15(a[i], b[i])
               : frac == 30 ? spinnc_mul30(a[i], b[i]) : spinnc_mul(a[i], b[i], frac);
    }
}
void test_div(const int32_t *a, const int32_t *b, int32_t *out, size_t n, unsigned frac)
{
    size_t i;
    for (i = 0; i < n; i++) {
        out[i] = spinnc_div(a[i], b[i], frac);
    }
}
void test_dot(const int32_t *a, const int32_t *b, size_t rows, size_t n, int32_t *out,
              unsigned frac)
{
    /* out[r] = spinnc_dot(a[r, :], b[:, 0]) with b laid out column-strided. */
    size_t r;
    for (r = 0; r < rows; r++) {
        out[r] = spinnc_dot(a + r * n, b, 1, n, frac);
    }
}
int32_t test_dot_strided(const int32_t *a, const int32_t *b, size_t stride, size_t n,
                         unsigned frac)
{
    return spinnc_dot(a, b, stride, n, frac);
}
void test_accumulate(int64_t *x, const uint32_t *index, const int32_t *payload, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        spinnc_filter_accumulate(x, index[i], payload[i]);
    }
}
"""


def _sources() -> list[Path]:
    return sorted(KERNELS.rglob("*.c"))


def _compile_native(out: Path) -> Path:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no host gcc to build the firmware kernels natively")
    wrapper = out / "wrappers.c"
    wrapper.write_text(WRAPPERS)
    library = out / "libspinnc_kernels.so"
    command = [gcc, *CFLAGS, "-shared", "-fPIC", "-o", str(library),
               *map(str, _sources()), str(wrapper)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr, result.stderr
    return library


I32 = np.ctypeslib.ndpointer(np.int32, flags="C_CONTIGUOUS")
I64 = np.ctypeslib.ndpointer(np.int64, flags="C_CONTIGUOUS")
U32 = np.ctypeslib.ndpointer(np.uint32, flags="C_CONTIGUOUS")
c_i32, c_i64, c_u32, c_u64, c_size = (ctypes.c_int32, ctypes.c_int64, ctypes.c_uint32,
                                      ctypes.c_uint64, ctypes.c_size_t)

#: name -> (restype, argtypes)
SIGNATURES = {
    "test_sat": (c_i32, [c_i64]),
    "test_round": (c_i32, [c_i64, ctypes.c_uint]),
    "test_mul": (None, [I32, I32, I32, c_size, ctypes.c_uint]),
    "test_div": (None, [I32, I32, I32, c_size, ctypes.c_uint]),
    "test_dot": (None, [I32, I32, c_size, c_size, I32, ctypes.c_uint]),
    "test_dot_strided": (c_i32, [I32, I32, c_size, c_size, ctypes.c_uint]),
    "test_accumulate": (None, [I64, U32, I32, c_size]),
    "spinnc_udiv64": (c_u64, [c_u64, c_u64]),
    "spinnc_one_minus_exp_neg": (c_i32, [c_i32, ctypes.c_uint]),
    "spinnc_neg_log1m": (c_i32, [c_i32, ctypes.c_uint]),
    "spinnc_filter_step": (None, [c_i32, c_i32, I64, I32, c_size]),
    "spinnc_filter_bank_step": (None, [I32, I32, I64, I32, c_size]),
    "spinnc_member_clear": (None, [I64, c_size]),
    "spinnc_member_add": (None, [I64, I32, c_size]),
    "spinnc_member_finish": (None, [I64, I32, c_size]),
    "spinnc_member_inputs": (None, [I32, U32, U32, c_size, I64, I32, c_size]),
}


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    """The kernels as a native shared library, with their ctypes signatures."""
    library = ctypes.CDLL(str(_compile_native(tmp_path_factory.mktemp("kernels"))))
    for name, (restype, argtypes) in SIGNATURES.items():
        if hasattr(library, name):
            function = getattr(library, name)
            function.restype, function.argtypes = restype, argtypes
    return library


def i32(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.int32)


def i64(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.int64)


def u32(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.uint32)


#: Raw words where rounding and saturation change: the int32 extremes, units
#: and halves of both formats either side of 0.
EDGES = np.array(sorted({INT32_MIN, INT32_MIN + 1, -(1 << 30) - 1, -(1 << 30), -(1 << 29),
                         -ONE15 - 1, -ONE15, -(1 << 14) - 1, -(1 << 14), -(1 << 14) + 1,
                         -3, -2, -1, 0, 1, 2, 3, (1 << 14) - 1, 1 << 14, (1 << 14) + 1, ONE15,
                         ONE15 + 1, 1 << 29, (1 << 30) - 1, 1 << 30, INT32_MAX - 1,
                         INT32_MAX}), dtype=np.int64)

int32s = st.integers(INT32_MIN, INT32_MAX)
int64s = st.integers(-(2**63) + 2**30, 2**63 - 2**30 - 1)  # + half fits int64


# -- the toolchains ---------------------------------------------------------------------

def test_kernels_compile_for_the_arm968_warning_free_and_self_contained(tmp_path):
    """Every kernel file compiles with the firmware's flags without a warning,
    and the objects together need no symbol from outside (no libgcc
    division, no soft-float calls, no memcpy/memset)."""
    gcc = shutil.which("arm-none-eabi-gcc")
    nm = shutil.which("arm-none-eabi-nm")
    if gcc is None or nm is None:
        pytest.skip("arm-none-eabi-gcc / arm-none-eabi-nm are not installed")
    objects = []
    for source in _sources():
        obj = tmp_path / (source.relative_to(KERNELS).as_posix().replace("/", "_") + ".o")
        result = subprocess.run([gcc, *ARM_FLAGS, "-c", str(source), "-o", str(obj)],
                                capture_output=True, text=True)
        assert result.returncode == 0 and not result.stderr, (source, result.stderr)
        objects.append(obj)
    assert objects
    defined, undefined = set(), set()
    for obj in objects:
        out = subprocess.run([nm, str(obj)], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined.add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDRBtdrb":
                defined.add(parts[2])
    assert undefined <= defined, f"kernels call outside themselves: {undefined - defined}"


def test_headers_compile_as_c99_on_the_host(tmp_path):
    """Each header compiles on its own (it includes what it needs)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no host gcc")
    for header in sorted(KERNELS.rglob("*.h")):
        source = tmp_path / "one.c"
        source.write_text(f'#include "{header.relative_to(KERNELS).as_posix()}"\n'
                          "int spinnc_test_unused;\n")
        result = subprocess.run([gcc, *CFLAGS, "-c", str(source), "-o",
                                 str(tmp_path / "one.o")], capture_output=True, text=True)
        assert result.returncode == 0 and not result.stderr, (header, result.stderr)


# -- fixed.h ------------------------------------------------------------------------------

def test_inverse_table_is_fixed_inverse(lib):
    table = np.ctypeslib.as_array((ctypes.c_int32 * 256).in_dll(lib, "spinnc_inverse"))
    np.testing.assert_array_equal(table, fixed._INVERSE)


def c_mul(lib, a, b, frac):
    a, b = np.broadcast_arrays(i32(a), i32(b))
    a, b = i32(a), i32(b)
    out = np.empty(a.size, dtype=np.int32)
    lib.test_mul(a.ravel(), b.ravel(), out, a.size, frac)
    return out.reshape(a.shape)


def c_div(lib, a, b, frac):
    a, b = np.broadcast_arrays(i32(a), i32(b))
    a, b = i32(a), i32(b)
    out = np.empty(a.size, dtype=np.int32)
    lib.test_div(a.ravel(), b.ravel(), out, a.size, frac)
    return out.reshape(a.shape)


@pytest.mark.parametrize("fmt", fixed.FORMATS, ids=lambda f: f.name)
def test_mul_on_every_pair_of_edges(lib, fmt):
    a, b = np.meshgrid(EDGES, EDGES)
    np.testing.assert_array_equal(c_mul(lib, a, b, fmt.frac_bits), fixed.mul(a, b, fmt))


def test_mul_rounds_ties_up_and_shifts_arithmetically(lib):
    # 0.5 units round up, -0.5 units round up to 0, -1.5 to -1; s1.30 likewise.
    assert c_mul(lib, [1, -1, -3, 3], [1 << 14] * 4, 15).tolist() == [1, 0, -1, 2]
    assert c_mul(lib, [1, -1, -3], [1 << 29] * 3, 30).tolist() == [1, 0, -1]
    assert c_mul(lib, [INT32_MIN, INT32_MIN, INT32_MAX], [INT32_MIN, INT32_MAX, INT32_MAX],
                 15).tolist() == [INT32_MAX, INT32_MIN, INT32_MAX]


@pytest.mark.parametrize("frac", [1, 14, 15, 16, 29, 30, 31])
def test_mul_random_words(lib, frac):
    rng = np.random.default_rng(frac)
    a = rng.integers(INT32_MIN, INT32_MAX, 20000, endpoint=True)
    b = rng.integers(INT32_MIN, INT32_MAX, 20000, endpoint=True)
    a[:5000] >>= 16  # small operands too, where rounding (not saturation) acts
    b[5000:10000] >>= 20
    expected = fixed.saturate((a * b + (1 << (frac - 1))) >> frac)
    if frac in (15, 30):
        np.testing.assert_array_equal(expected, fixed.mul(a, b, fixed.Format("f", frac, "")))
    np.testing.assert_array_equal(c_mul(lib, a, b, frac), expected)


@settings(max_examples=400, deadline=None)
@given(int32s, int32s, st.sampled_from(fixed.FORMATS))
def test_mul_hypothesis(lib, a, b, fmt):
    assert int(c_mul(lib, [a], [b], fmt.frac_bits)[0]) == int(fixed.mul(a, b, fmt))


@settings(max_examples=300, deadline=None)
@given(st.integers(-(2**63), 2**63 - 1))
def test_sat_hypothesis(lib, x):
    assert lib.test_sat(x) == int(fixed.saturate(np.int64(x)))


def test_sat_edges(lib):
    for x in [-(2**63), INT32_MIN - 1, INT32_MIN, -1, 0, INT32_MAX, INT32_MAX + 1, 2**63 - 1]:
        assert lib.test_sat(x) == int(fixed.saturate(np.int64(x)))


@settings(max_examples=300, deadline=None)
@given(int64s, st.sampled_from([15, 30]))
def test_round_hypothesis(lib, acc, frac):
    expected = fixed.saturate((np.int64(acc) + (1 << (frac - 1))) >> frac)
    assert lib.test_round(acc, frac) == int(expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(int32s, int32s), min_size=0, max_size=12),
       st.sampled_from(fixed.FORMATS))
def test_dot_hypothesis(lib, pairs, fmt):
    """One exact sum, rounded once (12 terms of 2**62 each fit int64)."""
    a = i32([p[0] for p in pairs])
    b = i32([p[1] for p in pairs])
    out = np.empty(1, dtype=np.int32)
    lib.test_dot(a, b, 1, a.size, out, fmt.frac_bits)
    assert int(out[0]) == int(fixed.dot(a[None, :], b[:, None], fmt)[0, 0])


def test_dot_matrix_and_stride(lib):
    rng = np.random.default_rng(1)
    a = rng.integers(-(2**24), 2**24, (50, 7)).astype(np.int32)
    b = rng.integers(-(2**24), 2**24, (7, 3)).astype(np.int32)
    expected = fixed.dot(a, b)
    for column in range(3):
        out = np.empty(50, dtype=np.int32)
        lib.test_dot(i32(a), i32(b[:, column]), 50, 7, out, 15)
        np.testing.assert_array_equal(out, expected[:, column])
        assert lib.test_dot_strided(i32(a[4]), i32(b.ravel()[column:]), 3, 7, 15) \
            == expected[4, column]
    # Rounded once, not per product: 3 products of half a unit each make 2 units.
    assert lib.test_dot_strided(i32([1, 1, 1]), i32([1 << 14] * 3), 1, 3, 15) == 2
    assert int(c_mul(lib, [1], [1 << 14], 15)[0]) * 3 == 3


@pytest.mark.parametrize("fmt", fixed.FORMATS, ids=lambda f: f.name)
def test_div_on_every_pair_of_edges(lib, fmt):
    a, b = np.meshgrid(EDGES, EDGES)
    np.testing.assert_array_equal(c_div(lib, a, b, fmt.frac_bits), fixed.div(a, b, fmt))


@settings(max_examples=300, deadline=None)
@given(int32s, int32s, st.sampled_from(fixed.FORMATS))
def test_div_hypothesis(lib, a, b, fmt):
    assert int(c_div(lib, [a], [b], fmt.frac_bits)[0]) == int(fixed.div(a, b, fmt))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**63 - 1), st.integers(1, 2**40))
def test_udiv64_hypothesis(lib, n, d):
    assert lib.spinnc_udiv64(n, d) == n // d


@settings(max_examples=200, deadline=None)
@given(st.integers(0, INT32_MAX), st.integers(0, 40))
def test_one_minus_exp_neg_hypothesis(lib, x, terms):
    assert lib.spinnc_one_minus_exp_neg(x, terms) == int(fixed.one_minus_exp_neg(x, terms))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.integers(-ONE30, ONE30), st.integers(INT32_MIN + 1, INT32_MAX)),
       st.integers(1, 60))
def test_neg_log1m_hypothesis(lib, r, terms):
    """Both of fixed.neg_log1m's paths: |r| <= 1 (the unsaturated one) and
    beyond.  Not r = INT32_MIN: there np.abs wraps to a negative value, so
    fixed.neg_log1m takes its unsaturated path and wraps int64 (0 for 2
    terms, where the saturating series gives -2**30); the firmware's r is in
    (0, 1]."""
    assert lib.spinnc_neg_log1m(r, terms) == int(fixed.neg_log1m(np.array([r]), terms)[0])


def test_series_clamp_to_the_table(lib):
    assert lib.spinnc_one_minus_exp_neg(ONE30 // 3, 1000) == \
        int(fixed.one_minus_exp_neg(ONE30 // 3, 256))
    assert lib.spinnc_neg_log1m(ONE30 // 2, 1000) == \
        int(fixed.neg_log1m(np.array([ONE30 // 2]), 256)[0])


# -- filter.h ---------------------------------------------------------------------------

def _coefficients(rng, n):
    """s1.30 filter coefficients: exp decays with b = 1 - a, synapse=None
    (0, 1), and arbitrary words in [-2, 2)."""
    a = rng.integers(0, ONE30, n, endpoint=True)
    b = ONE30 - a
    a[:3], b[:3] = 0, ONE30
    wild = slice(n // 2, n)
    a[wild] = rng.integers(INT32_MIN, INT32_MAX, n - n // 2, endpoint=True)
    b[wild] = rng.integers(INT32_MIN, INT32_MAX, n - n // 2, endpoint=True)
    return a, b


def test_filter_bank_step_is_filterbank(lib):
    rng = np.random.default_rng(7)
    n = 64
    a, b = _coefficients(rng, n)
    bank = FilterBank(a, b)
    y = np.zeros(n, dtype=np.int32)
    for tick in range(200):
        x = rng.integers(-(2**20), 2**20, n)
        if tick % 3 == 0:  # sums of many payloads beyond int32: saturated first
            x[::4] = rng.integers(-(2**40), 2**40, len(x[::4]))
        if tick % 7 == 0:
            x[1::5] = rng.choice([INT32_MIN, INT32_MAX, INT32_MIN - 1, INT32_MAX + 1,
                                  -(2**62), 2**62], len(x[1::5]))
        acc = x.copy()
        lib.spinnc_filter_bank_step(i32(a), i32(b), acc, y, n)
        np.testing.assert_array_equal(y, bank.step(x), err_msg=f"tick {tick}")
        assert not acc.any()  # consumed


def test_filter_step_shares_one_filters_coefficients(lib):
    rng = np.random.default_rng(8)
    dims = 5
    for a, b in [(0, ONE30), (int(0.9 * ONE30), ONE30 - int(0.9 * ONE30)),
                 (int(0.99 * ONE30), ONE30 - int(0.99 * ONE30)), (ONE30, 0),
                 (INT32_MAX, INT32_MIN)]:
        bank = FilterBank(np.full(dims, a), np.full(dims, b))
        y = np.zeros(dims, dtype=np.int32)
        for _ in range(100):
            x = rng.integers(-(2**33), 2**33, dims)
            acc = x.copy()
            lib.spinnc_filter_step(a, b, acc, y, dims)
            np.testing.assert_array_equal(y, bank.step(x))
            assert not acc.any()


def test_filter_accumulates_payloads_exactly(lib):
    rng = np.random.default_rng(9)
    index = rng.integers(0, 6, 5000)
    payload = rng.integers(INT32_MIN, INT32_MAX, 5000, endpoint=True)
    acc = np.zeros(6, dtype=np.int64)
    lib.test_accumulate(acc, u32(index), i32(payload), index.size)
    np.testing.assert_array_equal(acc, np.bincount(index, weights=payload, minlength=6))


def test_constant_input_through_a_lowpass_settles_as_filterbank(lib):
    a = int(fixed.to_fixed(np.exp(-1 / 5), fixed.S1_30)[0])
    b = ONE30 - a
    bank = FilterBank(np.array([a]), np.array([b]))
    y = np.zeros(1, dtype=np.int32)
    for _ in range(100):
        lib.spinnc_filter_step(a, b, i64([ONE15 // 2]), y, 1)
        expected = bank.step(np.array([ONE15 // 2]))
    assert y[0] == expected[0] and abs(int(y[0]) - ONE15 // 2) <= 5


def test_member_inputs_is_memberinputs(lib):
    rng = np.random.default_rng(10)
    for n_filter_dims, size in [(12, 4), (30, 7), (1, 1), (0, 3)]:
        source = rng.integers(0, max(n_filter_dims, 1), 2 * n_filter_dims)
        target = rng.integers(0, size, 2 * n_filter_dims)
        kernel = MemberInputs(source, target, size)
        for _ in range(20):
            y = rng.integers(INT32_MIN, INT32_MAX, max(n_filter_dims, 1), endpoint=True)
            y[: len(y) // 2] >>= 8
            u = np.empty(size, dtype=np.int32)
            lib.spinnc_member_inputs(i32(y), u32(source), u32(target), source.size,
                                     np.empty(size, np.int64), u, size)
            np.testing.assert_array_equal(u, kernel.sum(i32(y))[:size])


def test_member_steps_sum_value_filters(lib):
    rng = np.random.default_rng(11)
    ys = [i32(rng.integers(INT32_MIN, INT32_MAX, 4, endpoint=True)) for _ in range(3)]
    acc = np.full(4, 123, dtype=np.int64)
    lib.spinnc_member_clear(acc, 4)
    for y in ys:
        lib.spinnc_member_add(acc, y, 4)
    u = np.empty(4, dtype=np.int32)
    lib.spinnc_member_finish(acc, u, 4)
    np.testing.assert_array_equal(u, fixed.saturate(sum(y.astype(np.int64) for y in ys)))
