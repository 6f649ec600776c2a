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
import re
import shutil
import subprocess
from pathlib import Path

import nengo
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc import fixed, neurons
from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.kernels import FilterBank, MemberInputs
from spinnc.regions import Region, population_layout, unpack_regions

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
#include "neurons/lif_neuron.h"

int32_t test_lif_decay(const spinnc_lif_constants_t *c, int32_t delta)
{
    return spinnc_lif_decay(c, delta);
}
int32_t test_lif_ratio(int32_t over, int32_t drive) { return spinnc_lif_ratio(over, drive); }

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
    "spinnc_filter_step": (None, [I32, c_u32, c_u32, I64, I32, I32, c_size]),
    "spinnc_member_clear": (None, [I64, c_size]),
    "spinnc_member_add": (None, [I64, I32, c_size]),
    "spinnc_member_finish": (None, [I64, I32, c_size]),
    "spinnc_member_inputs": (None, [I32, U32, U32, c_size, I64, I32, c_size]),
    "test_lif_decay": (c_i32, [I32, c_i32]),
    "test_lif_ratio": (c_i32, [c_i32, c_i32]),
    "spinnc_neuron_step": (c_i32, [ctypes.c_uint32, I32, c_u32, I32, I32, U32]),
    "spinnc_neuron_state_words": (c_u32, [c_u32]),
    "spinnc_lif_step": (c_u32, [I32, c_u32, I32, I32, I32, U32]),
}


class Population(ctypes.Structure):
    """ensemble.h's spinnc_population_t."""

    _fields_ = [("model", c_u32), ("n_neurons", c_u32), ("input_dims", c_u32),
                ("output_dims", c_u32), ("constants", ctypes.c_void_p),
                ("encoders", ctypes.c_void_p), ("bias", ctypes.c_void_p),
                ("gain", ctypes.c_void_p), ("state", ctypes.c_void_p),
                ("decoders", ctypes.c_void_p), ("probe_dims", c_u32)]


POP = ctypes.POINTER(Population)
SIGNATURES.update({
    "spinnc_population_view": (c_i32, [ctypes.c_void_p, c_u32, POP]),
    "spinnc_encode": (None, [POP, I32, I64]),
    "spinnc_neuron_input": (None, [I64, c_i32, U32, c_u32]),
    "spinnc_currents": (None, [POP, I32, ctypes.c_void_p, I32]),
    "spinnc_decode": (None, [POP, U32, c_u32, I32]),
    "spinnc_ensemble_step": (c_i32, [POP, I32, ctypes.c_void_p, I32, U32, I32]),
})


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

def _old_lowpass(a, b, x, y):
    """The first-order filter as it ran before filters of any order:
    ``y = sat(mul30(y, a) + mul30(sat(x), b))``."""
    return fixed.saturate(fixed.mul(y, a, fixed.S1_30).astype(np.int64)
                          + fixed.mul(fixed.saturate(x), b, fixed.S1_30))


def _ticks(rng, n, ticks=150):
    """Accumulated inputs: payload sums, some beyond int32 (saturated first)."""
    for tick in range(ticks):
        x = rng.integers(-(2**20), 2**20, n)
        if tick % 3 == 0:
            x[::4] = rng.integers(-(2**40), 2**40, len(x[::4]))
        if tick % 7 == 0:
            x[1::5] = rng.choice([INT32_MIN, INT32_MAX, INT32_MIN - 1, INT32_MAX + 1,
                                  -(2**62), 2**62], len(x[1::5]))
        yield tick, x


@pytest.mark.parametrize("order", [1, 2, 3, 5])
@pytest.mark.parametrize("fmt", fixed.FILTER_FORMATS, ids=lambda f: f.name)
def test_filter_step_is_filterbank(lib, order, fmt):
    """Each filter by the C kernel; all of them at once (padded to the highest
    order) by FilterBank: equal word for word, over tame and wild
    coefficients and inputs that saturate."""
    rng = np.random.default_rng(order * 100 + fmt.frac_bits)
    dims = 3
    filters = []
    for k in range(6):
        n = order if k % 2 == 0 else max(1, order - 1)  # lower orders, padded
        c = rng.integers(-fmt.one // 2, fmt.one // 2, 2 * n)
        if k >= 4:  # arbitrary words
            c = rng.integers(INT32_MIN, INT32_MAX, 2 * n, endpoint=True)
        filters.append((n, i32(c)))
    widest = max(n for n, _ in filters)
    num, den = np.zeros((6 * dims, widest), np.int64), np.zeros((6 * dims, widest), np.int64)
    for i, (n, c) in enumerate(filters):
        num[i * dims:(i + 1) * dims, :n], den[i * dims:(i + 1) * dims, :n] = c[:n], c[n:]
    bank = FilterBank(num, den, np.full(6 * dims, fmt.frac_bits))
    ys = [np.zeros(dims, np.int32) for _ in filters]
    ss = [np.zeros(dims * (n - 1) + 1, np.int32) for n, _ in filters]
    for tick, x in _ticks(rng, 6 * dims):
        expected = bank.step(x)
        for i, (n, c) in enumerate(filters):
            acc = x[i * dims:(i + 1) * dims].copy()
            lib.spinnc_filter_step(c, n, fmt.frac_bits, acc, ys[i], ss[i], dims)
            assert not acc.any()  # consumed
            np.testing.assert_array_equal(ys[i], expected[i * dims:(i + 1) * dims],
                                          err_msg=f"tick {tick}, filter {i}")


def test_first_order_filter_is_the_old_lowpass(lib):
    """A first-order s1.30 filter, in C and in FilterBank, is today's Lowpass
    bit for bit: ``y = sat(mul30(y, a) + mul30(sat(x), b))``."""
    rng = np.random.default_rng(7)
    n = 64
    a = rng.integers(0, ONE30, n, endpoint=True)
    b = ONE30 - a
    a[:3], b[:3] = 0, ONE30  # synapse=None
    a[n // 2:] = rng.integers(INT32_MIN, INT32_MAX, n - n // 2, endpoint=True)
    b[n // 2:] = rng.integers(INT32_MIN, INT32_MAX, n - n // 2, endpoint=True)
    bank = FilterBank(b[:, None], a[:, None], np.full(n, 30))
    y_old, y_c = np.zeros(n, np.int32), np.zeros(n, np.int32)
    state = np.zeros(1, np.int32)
    for tick, x in _ticks(rng, n, 200):
        y_old = _old_lowpass(a, b, x, y_old)
        for i in range(n):
            acc = x[i:i + 1].copy()
            lib.spinnc_filter_step(i32([b[i], a[i]]), 1, 30, acc, y_c[i:i + 1], state, 1)
        np.testing.assert_array_equal(bank.step(x), y_old, err_msg=f"tick {tick}")
        np.testing.assert_array_equal(y_c, y_old, err_msg=f"tick {tick}")


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
    bank = FilterBank(np.array([[b]]), np.array([[a]]), np.array([30]))
    y = np.zeros(1, dtype=np.int32)
    for _ in range(100):
        lib.spinnc_filter_step(i32([b, a]), 1, 30, i64([ONE15 // 2]), y, np.zeros(1, np.int32), 1)
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


# -- neurons/ ---------------------------------------------------------------------------

#: The models with a C step: (C constants struct, prefix of the LIF's fields).
C_MODELS = {"LIF": ("spinnc_lif_constants_t", ""),
            "AdaptiveLIF": ("spinnc_adaptive_lif_constants_t", "lif."),
            "SpikingRectifiedLinear": ("spinnc_spiking_relu_constants_t", ""),
            "Izhikevich": ("spinnc_izhikevich_constants_t", ""),
            "RegularSpiking": ("spinnc_regular_spiking_constants_t", "")}
LIF_FIELDS = ("decay", "dt_over_tau_rc", "tau_rc_ticks", "tau_ref_ticks", "min_voltage",
              "exp_terms", "log_terms")


def test_every_model_has_a_c_step(lib):
    """Every model in C_MODELS is registered and dispatched by its code; a
    model added to spinnc.neurons without a C step yet is reported (skip),
    and spinnc_neuron_step refuses its code (-1)."""
    names = {m.name for m in neurons.models()}
    assert set(C_MODELS) <= names
    missing = sorted(names - set(C_MODELS))
    one = i32([0])
    for name in missing:
        code = neurons.model_named(name).code
        assert lib.spinnc_neuron_step(code, one, 1, one, one, u32([0])) == -1
    if missing:
        pytest.skip(f"no C step yet for {', '.join(missing)}")


def test_constants_structs_match_the_population_header(tmp_path):
    """Each C constants struct has the model's constants, in order, at the
    offsets the generated spinnc_regions.h gives them after the five head
    words: the runtime can point it at the region."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no host gcc")
    lines = ['#include <stddef.h>', '#include "spinnc_regions.h"',
             '#include "neurons/neurons.h"']
    for model in neurons.models():
        if model.name not in C_MODELS:
            continue
        struct, prefix = C_MODELS[model.name]
        header = f"population_{model.name.lower()}_header_t"
        lines.append(f"_Static_assert(sizeof({struct}) == {4 * len(model.constants)}, "
                     f'"{struct} size");')
        for v in model.constants:
            field = (prefix if v.name in LIF_FIELDS else "") + v.name
            if re.fullmatch(r"rate_\d{3}", v.name):  # RegularSpiking's table: an array
                field = f"rate[{int(v.name[5:])}]"
            lines.append(f"_Static_assert(offsetof({struct}, {field}) == "
                         f"offsetof({header}, {v.name}) - 20, \"{struct}.{field}\");")
        lines.append(f"_Static_assert(offsetof({header}, {model.constants[0].name}) == 20, "
                     f'"{header} constants after the head");')
    source = tmp_path / "layout.c"
    source.write_text("\n".join(lines) + "\n")
    result = subprocess.run([gcc, *CFLAGS, "-c", str(source), "-o", str(tmp_path / "l.o")],
                            capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr, result.stderr


def test_state_words_and_unknown_codes(lib):
    for model in neurons.models():
        if model.name in C_MODELS:
            assert lib.spinnc_neuron_state_words(model.code) == len(model.state)
    one = i32([0])
    assert lib.spinnc_neuron_step(999, one, 1, one, one, u32([0])) == -1
    assert lib.spinnc_neuron_state_words(999) == 0


class _Quantiser:
    """The frontend's quantiser, without its report."""

    def __call__(self, owner, what, values, fmt=fixed.S16_15):
        return fixed.quantise(values, fmt, what)

    def record(self, *args):
        pass


def _quantise_constants(model, params, dt):
    """The model's constants as a POPULATION header holds them (and a state)."""
    state = {v.name: np.zeros(1) for v in model.state}
    return model.quantise(_Quantiser(), "ens", params, state, dt)


def constant_words(model, header: dict) -> np.ndarray:
    """The constants' words, in region order (what the C struct points at)."""
    return np.array([int(header[v.name]) for v in model.constants],
                    dtype=np.int64).astype(np.uint32).view(np.int32)


def run_both(lib, model, header: dict, state: dict, currents: np.ndarray):
    """Step the C kernel (through spinnc_neuron_step on the region's state
    block) and the model's fixed_step tick by tick on ``currents`` (ticks x
    neurons, int32 words); compare spikes and every state word each tick."""
    n = currents.shape[1]
    words = constant_words(model, header)
    constants = model.fixed_constants(header)
    py_state = model.fixed_state({k: i32(v) for k, v in state.items()})
    block = i32(np.concatenate([state[v.name] for v in model.state]))
    spikes = np.zeros(n, dtype=np.uint32)
    total = 0
    for tick, current in enumerate(currents):
        count = lib.spinnc_neuron_step(model.code, words, n, i32(current), block, spikes)
        expected = model.fixed_step(constants, current.astype(np.int64), py_state)
        assert count >= 0
        np.testing.assert_array_equal(spikes[:count], expected,
                                      err_msg=f"{model.name} spikes, tick {tick}")
        for k, v in enumerate(model.state):
            np.testing.assert_array_equal(block[k * n:(k + 1) * n], py_state[v.name],
                                          err_msg=f"{model.name} {v.name}, tick {tick}")
        total += count
    return total


def _currents(rng, ticks, n, lo, hi):
    """Currents in [lo, hi) (reals), with saturating and extreme words mixed in."""
    j = fixed.to_fixed(rng.uniform(lo, hi, (ticks, n)))[0].astype(np.int64)
    wild = rng.random((ticks, n)) < 0.03
    j[wild] = rng.choice([INT32_MIN, INT32_MAX, INT32_MIN + 1, INT32_MAX - 1, -(2**30),
                          2**30, 0, ONE15, ONE15 + 1], wild.sum())
    big = rng.random((ticks, n)) < 0.03
    j[big] = rng.integers(INT32_MIN, INT32_MAX, big.sum(), endpoint=True)
    return j.astype(np.int32)


LIF_PARAMS = [dict(tau_rc=0.02, tau_ref=0.002, min_voltage=0.0),
              dict(tau_rc=0.005, tau_ref=0.0, min_voltage=-1.0),
              dict(tau_rc=0.1, tau_ref=0.0005, min_voltage=0.0),
              dict(tau_rc=0.0006, tau_ref=0.0013, min_voltage=-0.5)]


@pytest.mark.parametrize("params", LIF_PARAMS, ids=lambda p: f"tau_rc={p['tau_rc']}")
def test_lif_step_is_the_models(lib, params):
    model = neurons.model_named("LIF")
    header = _quantise_constants(model, params, 0.001)[0]
    rng = np.random.default_rng(int(params["tau_rc"] * 1e4))
    n = 120
    state = {"voltage": fixed.to_fixed(rng.uniform(-1, 1, n))[0],
             "refractory": fixed.to_fixed(rng.uniform(0, 3, n))[0]}
    state["voltage"][:4] = [INT32_MIN, INT32_MAX, ONE15, ONE15 + 1]
    state["refractory"][4:8] = [INT32_MAX, ONE15, ONE15 - 1, 1]
    spikes = run_both(lib, model, header, state, _currents(rng, 300, n, -2, 12))
    assert spikes > 1000  # the spike-time path (the division, the series) ran


def test_lif_step_with_wild_constants(lib):
    """Any constant words (series terms within the table): still the model's."""
    model = neurons.model_named("LIF")
    rng = np.random.default_rng(5)
    for trial in range(4):
        header = {v.name: int(rng.integers(INT32_MIN, INT32_MAX, endpoint=True))
                  for v in model.constants}
        header["exp_terms"] = int(rng.integers(0, 30))
        header["log_terms"] = int(rng.integers(0, 256, endpoint=True))
        if trial == 0:
            header["tau_ref_ticks"] = INT32_MAX  # the refractory word wraps, as _lif.pyx
        n = 40
        state = {"voltage": rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True),
                 "refractory": rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True)}
        run_both(lib, model, header, state, _currents(rng, 60, n, -5, 50))


def test_lif_decay_is_the_decay_table(lib):
    """k(delta) for every fraction of a tick, against lif.decay_table."""
    model = neurons.model_named("LIF")
    for params in LIF_PARAMS[:2]:
        header = _quantise_constants(model, params, 0.001)[0]
        c = model.fixed_constants(header)
        table = neurons.lif.decay_table(c)
        words = constant_words(model, header)
        got = np.array([lib.test_lif_decay(words, d) for d in range(ONE15 + 1)])
        np.testing.assert_array_equal(got, table)
        assert lib.test_lif_decay(words, -5) == 0
        assert lib.test_lif_decay(words, ONE15 + 9) == c.decay


@settings(max_examples=300, deadline=None)
@given(st.integers(1, INT32_MAX), st.integers(1, INT32_MAX))
def test_lif_ratio_is_the_rounded_quotient(lib, over, drive):
    over, drive = min(over, drive), max(over, drive)
    assert lib.test_lif_ratio(over, drive) == ((over << 31) + drive) // (2 * drive)
    assert lib.test_lif_ratio(over, drive) == int(fixed.div(over, drive, fixed.S1_30))


@settings(max_examples=60, deadline=None)
@given(tau_rc=st.floats(0.0006, 0.5), tau_ref=st.floats(0, 0.01),
       min_voltage=st.sampled_from([0.0, -1.0]),
       voltage=st.lists(int32s, min_size=1, max_size=8),
       data=st.data())
def test_lif_step_hypothesis(lib, tau_rc, tau_ref, min_voltage, voltage, data):
    model = neurons.model_named("LIF")
    header = _quantise_constants(model, dict(tau_rc=tau_rc, tau_ref=tau_ref,
                                             min_voltage=min_voltage), 0.001)[0]
    n = len(voltage)
    refractory = data.draw(st.lists(st.one_of(st.integers(0, 5 * ONE15), int32s),
                                    min_size=n, max_size=n))
    currents = data.draw(st.lists(st.lists(st.one_of(st.integers(-2 * ONE15, 20 * ONE15),
                                                     int32s), min_size=n, max_size=n),
                                  min_size=1, max_size=20))
    run_both(lib, model, header, {"voltage": i32(voltage), "refractory": i32(refractory)},
             i32(currents))


def test_lif_step_called_directly(lib):
    """spinnc_lif_step on separate arrays, as the dispatcher's block."""
    model = neurons.model_named("LIF")
    header = _quantise_constants(model, LIF_PARAMS[0], 0.001)[0]
    rng = np.random.default_rng(3)
    n = 50
    v, r = np.zeros(n, np.int32), np.zeros(n, np.int32)
    state = model.fixed_state({"voltage": v, "refractory": r})
    spikes = np.zeros(n, dtype=np.uint32)
    for current in _currents(rng, 100, n, 0, 5):
        count = lib.spinnc_lif_step(constant_words(model, header), n, i32(current), v, r, spikes)
        expected = model.fixed_step(model.fixed_constants(header), current.astype(np.int64),
                                    state)
        np.testing.assert_array_equal(spikes[:count], expected)
        np.testing.assert_array_equal(v, state["voltage"])
        np.testing.assert_array_equal(r, state["refractory"])


ALIF_PARAMS = [dict(LIF_PARAMS[0], tau_n=1.0, inc_n=0.01, amplitude=1.0),
               dict(LIF_PARAMS[1], tau_n=0.05, inc_n=0.5, amplitude=1.0),
               dict(LIF_PARAMS[2], tau_n=0.0006, inc_n=0.001, amplitude=0.1)]


@pytest.mark.parametrize("params", ALIF_PARAMS, ids=lambda p: f"tau_n={p['tau_n']}")
def test_adaptive_lif_step_is_the_models(lib, params):
    model = neurons.model_named("AdaptiveLIF")
    header = _quantise_constants(model, params, 0.001)[0]
    rng = np.random.default_rng(int(params["tau_n"] * 1e4))
    n = 100
    state = {"voltage": fixed.to_fixed(rng.uniform(-1, 1, n))[0],
             "refractory": fixed.to_fixed(rng.uniform(0, 3, n))[0],
             "adaptation": fixed.to_fixed(rng.uniform(0, 2, n))[0]}
    state["adaptation"][:4] = [INT32_MIN, INT32_MAX, -1, 1]
    spikes = run_both(lib, model, header, state, _currents(rng, 300, n, -2, 15))
    assert spikes > 500


def test_adaptive_lif_step_with_wild_constants(lib):
    model = neurons.model_named("AdaptiveLIF")
    rng = np.random.default_rng(6)
    for _ in range(3):
        header = {v.name: int(rng.integers(INT32_MIN, INT32_MAX, endpoint=True))
                  for v in model.constants}
        header["exp_terms"] = int(rng.integers(0, 30))
        header["log_terms"] = int(rng.integers(0, 60))
        n = 40
        state = {v.name: rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True)
                 for v in model.state}
        run_both(lib, model, header, state, _currents(rng, 60, n, -5, 50))


@pytest.mark.parametrize("dt", [0.001, 0.0001, 0.0005])
def test_spiking_relu_step_is_the_models(lib, dt):
    model = neurons.model_named("SpikingRectifiedLinear")
    header = _quantise_constants(model, dict(amplitude=1.0), dt)[0]
    rng = np.random.default_rng(int(dt * 1e5))
    n = 100
    state = {"voltage": fixed.to_fixed(rng.uniform(0, 1, n))[0]}
    state["voltage"][:3] = [INT32_MIN, INT32_MAX, ONE15 - 1]
    spikes = run_both(lib, model, header, state, _currents(rng, 300, n, -200, 2000))
    assert spikes > 100


@settings(max_examples=100, deadline=None)
@given(dt_word=int32s, voltage=st.lists(int32s, min_size=1, max_size=6), data=st.data())
def test_spiking_relu_step_hypothesis(lib, dt_word, voltage, data):
    model = neurons.model_named("SpikingRectifiedLinear")
    n = len(voltage)
    currents = data.draw(st.lists(st.lists(int32s, min_size=n, max_size=n), min_size=1,
                                  max_size=10))
    run_both(lib, model, {"dt": dt_word}, {"voltage": i32(voltage)}, i32(currents))


IZH_PARAMS = [dict(tau_recovery=0.02, coupling=0.2, reset_voltage=-65.0, reset_recovery=8.0),
              dict(tau_recovery=0.02, coupling=0.2, reset_voltage=-50.0, reset_recovery=2.0),
              dict(tau_recovery=0.1, coupling=0.2, reset_voltage=-65.0, reset_recovery=2.0),
              dict(tau_recovery=0.02, coupling=0.25, reset_voltage=-65.0,
                   reset_recovery=0.05)]


@pytest.mark.parametrize("params", IZH_PARAMS, ids=range(len(IZH_PARAMS)))
def test_izhikevich_step_is_the_models(lib, params):
    model = neurons.model_named("Izhikevich")
    header = _quantise_constants(model, params, 0.001)[0]
    rng = np.random.default_rng(int(params["reset_voltage"] * -100 + params["coupling"] * 1e3))
    n = 100
    state = {"voltage": fixed.to_fixed(rng.uniform(-70, 29, n))[0],
             "recovery": fixed.to_fixed(rng.uniform(-15, 5, n))[0]}
    state["voltage"][:3] = [INT32_MIN, INT32_MAX, 30 * ONE15 - 1]
    state["recovery"][3:5] = [INT32_MIN, INT32_MAX]
    spikes = run_both(lib, model, header, state, _currents(rng, 300, n, -40, 40))
    assert spikes > 200


def test_izhikevich_step_with_wild_constants(lib):
    model = neurons.model_named("Izhikevich")
    rng = np.random.default_rng(12)
    for _ in range(4):
        header = {v.name: int(rng.integers(INT32_MIN, INT32_MAX, endpoint=True))
                  for v in model.constants}
        n = 40
        state = {v.name: rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True)
                 for v in model.state}
        run_both(lib, model, header, state, _currents(rng, 60, n, -100, 100))


# -- ensemble.h ---------------------------------------------------------------------------

def _random_region(model, rng, n, input_dims, output_dims, probe_dims=0):
    layout = population_layout(model)
    header = {name: int(rng.integers(0, 100)) for name in layout.header.names}
    header.update(model=model.code, n_neurons=n, input_dims=input_dims,
                  output_dims=output_dims, probe_dims=probe_dims)
    arrays = {"encoders": rng.integers(-ONE15, ONE15, (n, input_dims)),
              "bias": rng.integers(-ONE15, ONE15, n), "gain": rng.integers(0, 4 * ONE15, n),
              "decoders": rng.integers(-ONE15, ONE15, (output_dims, n)),
              "probe_decoders": rng.integers(-ONE15, ONE15, (probe_dims, n))}
    for v in model.state:
        arrays[v.name] = rng.integers(-ONE15, ONE15, n)
    return header, arrays, layout.pack(header, **arrays)


def _view(lib, data: bytes):
    """A writable, word-aligned copy of a region and its spinnc_population_view."""
    buffer = np.frombuffer(data, dtype=np.uint32).copy()
    pop = Population()
    status = lib.spinnc_population_view(buffer.ctypes.data, len(data), ctypes.byref(pop))
    return buffer, pop, status


def _array(address: int, count: int) -> np.ndarray:
    return np.ctypeslib.as_array((ctypes.c_int32 * count).from_address(address)) \
        if count else np.zeros(0, np.int32)


@pytest.mark.parametrize("name", sorted(C_MODELS))
def test_population_view_reads_the_region_layout(lib, name):
    model = neurons.model_named(name)
    rng = np.random.default_rng(len(name))
    for n, input_dims, output_dims, probe_dims in [(7, 3, 2, 1), (1, 1, 0, 0), (16, 0, 5, 3)]:
        header, arrays, data = _random_region(model, rng, n, input_dims, output_dims,
                                              probe_dims)
        buffer, pop, status = _view(lib, data)
        assert status == 0
        assert (pop.model, pop.n_neurons, pop.input_dims, pop.output_dims, pop.probe_dims) == \
            (model.code, n, input_dims, output_dims, probe_dims)
        base = buffer.ctypes.data
        assert pop.constants - base == 20
        np.testing.assert_array_equal(_array(pop.constants, len(model.constants)),
                                      constant_words(model, header))
        np.testing.assert_array_equal(_array(pop.encoders, n * input_dims),
                                      arrays["encoders"].ravel())
        np.testing.assert_array_equal(_array(pop.bias, n), arrays["bias"])
        np.testing.assert_array_equal(_array(pop.gain, n), arrays["gain"])
        np.testing.assert_array_equal(
            _array(pop.state, n * len(model.state)),
            np.concatenate([arrays[v.name] for v in model.state]))
        # The probe rows follow the sent ones: decoded as one block.
        np.testing.assert_array_equal(_array(pop.decoders, n * (output_dims + probe_dims)),
                                      np.concatenate([arrays["decoders"].ravel(),
                                                      arrays["probe_decoders"].ravel()]))
        assert pop.decoders + 4 * n * (output_dims + probe_dims) - base == len(data)
        for bad in (data[:-4], data + bytes(4), data[:12]):
            assert _view(lib, bad)[2] == -2
    wrong = np.frombuffer(data, dtype=np.uint32).copy()
    wrong[0] = 999
    assert _view(lib, wrong.tobytes())[2] == -1


def test_encode_currents_and_decode_are_the_kernels_loops(lib):
    """Against _kernels.pyx's rounding (exact dot, rounded once, + bias) and
    a plain exact decode, on words big enough to saturate."""
    model = neurons.model_named("LIF")
    rng = np.random.default_rng(21)
    n, dims, out = 40, 4, 3
    header, arrays, data = _random_region(model, rng, n, dims, out)
    arrays["encoders"] = rng.integers(INT32_MIN, INT32_MAX, (n, dims), endpoint=True)
    arrays["decoders"] = rng.integers(INT32_MIN, INT32_MAX, (out, n), endpoint=True)
    arrays["bias"] = rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True)
    arrays["gain"] = rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True)
    data = population_layout(model).pack(header, **arrays)
    buffer, pop, status = _view(lib, data)
    assert status == 0
    enc = arrays["encoders"].astype(np.int64)
    for trial in range(20):
        u = rng.integers(-(2**20), 2**20, dims) if trial % 2 else \
            rng.integers(INT32_MIN, INT32_MAX, dims, endpoint=True)
        encoded = np.empty(n, np.int64)
        lib.spinnc_encode(ctypes.byref(pop), i32(u), encoded)
        expected = fixed.saturate((enc @ u + (1 << 14)) >> 15).astype(np.int64) + arrays["bias"]
        np.testing.assert_array_equal(encoded, expected)
        summed = rng.integers(-(2**34), 2**34, n)
        current = np.empty(n, np.int32)
        lib.spinnc_currents(ctypes.byref(pop), i32(u), summed.ctypes.data, current)
        np.testing.assert_array_equal(current, fixed.saturate(
            expected + fixed.mul(fixed.saturate(summed), arrays["gain"])))
        lib.spinnc_currents(ctypes.byref(pop), i32(u), None, current)
        np.testing.assert_array_equal(current, fixed.saturate(expected))
        spikes = np.flatnonzero(rng.random(n) < 0.3).astype(np.uint32)
        payloads = np.empty(out, np.int32)
        lib.spinnc_decode(ctypes.byref(pop), spikes, spikes.size, payloads)
        np.testing.assert_array_equal(payloads, fixed.saturate(
            arrays["decoders"][:, spikes].astype(np.int64).sum(axis=1)))
    summed = np.zeros(n, np.int64)
    lib.spinnc_neuron_input(summed, -5, u32([3, 1, 3]), 3)
    lib.spinnc_neuron_input(summed, INT32_MAX, u32([3]), 1)
    assert summed[3] == INT32_MAX - 10 and summed[1] == -5 and summed.sum() == INT32_MAX - 15


def network():
    """Every neuron model with a C step, fed by played-back values, a
    decoded connection with a function, connections without a synapse and a
    neuron input (inhibition through the gains)."""
    with nengo.Network(seed=17, label="kernels") as model:
        s = nengo.Node(lambda t: [np.sin(25 * t), np.cos(11 * t)], label="s")
        c = nengo.Node(0.5, label="c")
        a = nengo.Ensemble(30, 2, label="a")
        b = nengo.Ensemble(20, 1, neuron_type=nengo.AdaptiveLIF(tau_n=0.1, inc_n=0.05),
                           label="b")
        z = nengo.Ensemble(20, 1, neuron_type=nengo.Izhikevich(), label="z")
        r = nengo.Ensemble(20, 1, neuron_type=nengo.SpikingRectifiedLinear(), label="r")
        g = nengo.Ensemble(20, 1, neuron_type=nengo.RegularSpiking(nengo.LIFRate()),
                           label="g")
        h = nengo.Ensemble(15, 1, neuron_type=nengo.RegularSpiking(
            nengo.RectifiedLinear(amplitude=0.5)), label="h")
        nengo.Connection(z, g, synapse=0.01)
        nengo.Connection(g, h, synapse=0.005)
        nengo.Connection(c, h.neurons, transform=-np.ones((15, 1)), synapse=0.01)
        nengo.Connection(s, a, synapse=0.005)
        nengo.Connection(c, a[0], synapse=None)
        nengo.Connection(a, b, function=lambda x: x[0] * x[1], synapse=0.01)
        nengo.Connection(a[1], z, synapse=0.005)
        nengo.Connection(b, r, transform=-1.0, synapse=None)
        nengo.Connection(s[0], r, synapse=0.02)
        nengo.Connection(c, b.neurons, transform=-2 * np.ones((20, 1)), synapse=0.003)
        nengo.Connection(a, r.neurons[::2], function=lambda x: x[0],
                         transform=-np.ones((10, 1)), synapse=0.005)
        for ens in (a, b, z, r, g, h):
            nengo.Probe(ens.neurons, "output")
        nengo.Probe(r, synapse=0.01)
    return model


class _CoreKernels:
    """One ensemble core run by the C kernels from its own regions: its
    filters (FILTERS, INDEX_MAP), its members' POPULATION regions viewed in
    place, the member inputs and neuron inputs, and a tick of each member."""

    def __init__(self, lib, core, image_core):
        self.lib, self.core = lib, core
        arrays = core.region(Region.FILTERS)[1]
        self.filters = arrays.get("filters", [])
        self.coefficients = i32(arrays.get("coefficients", np.zeros(0)))
        self.index_map = u32(core.region(Region.INDEX_MAP)[1].get("indices", np.zeros(0)))
        self.y = [np.zeros(int(f["dims"]), np.int32) for f in self.filters]
        self.s = [np.zeros(int(f["dims"]) * (int(f["order"]) - 1) + 1, np.int32)
                  for f in self.filters]
        raw = unpack_regions(image_core.data)
        self.members = {}
        for rid in sorted(raw):
            if rid >= Region.POPULATION:
                buffer, pop, status = _view(lib, raw[rid])
                assert status == 0
                self.members[rid - Region.POPULATION] = (buffer, pop)

    def tick(self, x: np.ndarray):
        """Returns, per member: (filter outputs by filter, u, spikes, payloads, state)."""
        lib = self.lib
        for f, y, s, start in zip(self.filters, self.y, self.s, self.core.filter_start):
            acc = x[start:start + int(f["dims"])].copy()
            at, order = int(f["coefficients"]), int(f["order"])
            lib.spinnc_filter_step(self.coefficients[at:at + 2 * order], order,
                                   int(f["frac_bits"]), acc, y, s, acc.size)
        out = {}
        for m, (buffer, pop) in self.members.items():
            acc = np.zeros(pop.input_dims, np.int64)
            lib.spinnc_member_clear(acc, acc.size)
            summed = None
            for f, y in zip(self.filters, self.y):
                if int(f["member"]) != m:
                    continue
                if f["neurons"]:
                    if summed is None:
                        summed = np.zeros(pop.n_neurons, np.int64)
                    lo, size = int(f["map_offset"]), int(f["map_size"])
                    lib.spinnc_neuron_input(summed, int(y[0]), self.index_map[lo:lo + size],
                                            size)
                else:
                    lib.spinnc_member_add(acc, y, y.size)
            u = np.empty(pop.input_dims, np.int32)
            lib.spinnc_member_finish(acc, u, u.size)
            current = np.empty(pop.n_neurons, np.int32)
            spikes = np.empty(pop.n_neurons, np.uint32)
            payloads = np.empty(pop.output_dims, np.int32)
            count = lib.spinnc_ensemble_step(
                ctypes.byref(pop), u, None if summed is None else summed.ctypes.data,
                current, spikes, payloads)
            assert count >= 0
            n_state = len(neurons.model_by_code(pop.model).state)
            state = _array(pop.state, n_state * pop.n_neurons).copy()
            out[m] = (u, spikes[:count].copy(), payloads, state)
        return out


def test_ensemble_ticks_are_the_emulators(lib):
    """A compiled network run by the emulator (the Python kernels) and, core
    by core, by the C kernels on the Image's own region bytes: every filter
    output, member input, spike, state word and payload of every ensemble
    core, every tick for 200 ticks."""
    steps = 200
    image = compile_network(network(), n_steps=steps, seed=0).image
    emulator = Emulator(image)
    seen = {}
    step_filters, step_ensembles = emulator.filters.step, emulator.ensembles.step

    def filters_step(x):
        seen["x"] = np.asarray(x, np.int64).copy()
        return step_filters(x)

    def ensembles_step(y, u, payloads):
        spikes = step_ensembles(y, u, payloads)
        seen.update(y=y.copy(), u=u.copy(), payloads=payloads.copy(), spikes=spikes.copy())
        return spikes

    emulator.filters.step, emulator.ensembles.step = filters_step, ensembles_step
    kernel = emulator.ensembles
    members = {(m.core, m.member): (i, m) for i, m in enumerate(kernel.members)}
    cores = [_CoreKernels(lib, c, image.cores[c.index]) for c in emulator.cores
             if c.application == "ensemble"]
    assert {neurons.model_by_code(pop.model).name for core in cores
            for _, pop in core.members.values()} == set(C_MODELS)
    neuron_inputs = total_spikes = 0
    for t in range(steps):
        emulator.run(1)
        for core in cores:
            out = core.tick(seen["x"])
            for f, y, start in zip(core.filters, core.y, core.core.filter_start):
                np.testing.assert_array_equal(y, seen["y"][start:start + y.size],
                                              err_msg=f"tick {t} filter")
                neuron_inputs += bool(f["neurons"]) and bool(y.any())
            for m, (u, spikes, payloads, state) in out.items():
                i, member = members[core.core.index, m]
                lo, hi = kernel.start[i], kernel.start[i + 1]
                where = f"tick {t} '{core.core.name}' member {m}"
                base = emulator.member_base[core.core.index, m]
                np.testing.assert_array_equal(u, seen["u"][base:base + u.size], err_msg=where)
                expected = seen["spikes"][(seen["spikes"] >= lo) & (seen["spikes"] < hi)] - lo
                np.testing.assert_array_equal(spikes, expected, err_msg=where)
                np.testing.assert_array_equal(payloads, seen["payloads"][member.slots],
                                              err_msg=where)
                model = neurons.model_by_code(member.header["model"])
                n = hi - lo
                for k, v in enumerate(model.state):
                    np.testing.assert_array_equal(
                        state[k * n:(k + 1) * n], kernel.state_variable(v.name)[lo:hi],
                        err_msg=f"{where} {v.name}")
                total_spikes += spikes.size
    assert total_spikes > 1000 and neuron_inputs > 0


# -- RegularSpiking -----------------------------------------------------------------------

def test_regular_spiking_table_shape():
    from spinnc.neurons import regular_spiking as rs

    header = (INCLUDE.parent / "kernels" / "neurons" / "neurons.h").read_text()
    assert f"#define SPINNC_RS_TABLE_BITS {rs.TABLE_BITS}\n" in header
    assert rs.TABLE_SIZE == ((32 - rs.TABLE_BITS) << rs.TABLE_BITS) + 1


def _rs_header(base, dt=0.001):
    model = neurons.model_named("RegularSpiking")
    return _quantise_constants(model, model.parameters(nengo.RegularSpiking(base)), dt)[0]


@pytest.mark.parametrize("base", ["LIFRate", "LIFRate fast", "RectifiedLinear",
                                  "RectifiedLinear x40"])
def test_regular_spiking_step_is_the_models(lib, base):
    model = neurons.model_named("RegularSpiking")
    kind = {"LIFRate": nengo.LIFRate(), "LIFRate fast": nengo.LIFRate(tau_rc=0.005,
                                                                         tau_ref=0.0005),
            "RectifiedLinear": nengo.RectifiedLinear(),
            "RectifiedLinear x40": nengo.RectifiedLinear(amplitude=40.0)}[base]
    header = _rs_header(kind)
    rng = np.random.default_rng(len(base))
    n = 100
    state = {"voltage": fixed.to_fixed(rng.uniform(-1, 1.5, n))[0]}
    state["voltage"][:3] = [INT32_MIN, INT32_MAX, ONE15 - 1]
    currents = _currents(rng, 300, n, -2, 30)
    currents[:, 3] = np.arange(300) * 7000 - 100000  # every octave's knots
    spikes = run_both(lib, model, header, state, currents)
    assert spikes > 500


@settings(max_examples=60, deadline=None)
@given(threshold=st.sampled_from([0, ONE15]),
       table=st.lists(int32s, min_size=233, max_size=233),
       voltage=st.lists(int32s, min_size=1, max_size=6), data=st.data())
def test_regular_spiking_step_hypothesis(lib, threshold, table, voltage, data):
    """Any table words (decreasing, negative, extreme) at either threshold."""
    model = neurons.model_named("RegularSpiking")
    header = {v.name: 0 for v in model.constants}
    header["threshold"] = threshold
    header.update({f"rate_{i:03d}": w for i, w in enumerate(table)})
    n = len(voltage)
    currents = data.draw(st.lists(st.lists(int32s, min_size=n, max_size=n), min_size=1,
                                  max_size=8))
    run_both(lib, model, header, {"voltage": i32(voltage)}, i32(currents))
