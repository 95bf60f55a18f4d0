// test_conv_kernels.cpp: the convolution kernels of tensor/conv/ called directly, each against the
// plain seven-loop definition (tensor/conv/reference.hpp), on awkward shapes: channel counts that
// are no multiple of the direct kernels' channel tiles (6, 12; 2, 4, 8) or vector widths (4, 8, 16),
// odd T (H) and F (W), strides 1, 2 and 4, kernels 6x3, 5x3, 3x5 and 3x3, padding, dilation, batch 1,
// and rows just under and over the direct kernels' 32-output threshold. Every direct kernel must be
// taken by some shape (checked), on every instruction set the CPU supports (isa.hpp); Winograd is
// checked on its own shapes and through the dispatch.
// tests/nn/test_conv.cpp does the same through the autograd op conv2d.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tensor/conv/conv2d_kernels.hpp"
#include "tensor/conv/direct.hpp"
#include "tensor/conv/isa.hpp"
#include "tensor/conv/winograd.hpp"
#include "tensor/error.hpp"
#include "tensor/parallel.hpp"

namespace ag::conv {
namespace {

// B, C, H, W, O, KH, KW, stride (sh, sw), padding (ph, pw), dilation (dh, dw).
ConvGeom geom(int64_t B, int64_t C, int64_t H, int64_t W, int64_t O, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
              int64_t ph, int64_t pw, int64_t dh = 1, int64_t dw = 1) {
  ConvGeom g{B, C, H, W, O, KH, KW, 0, 0, sh, sw, ph, pw, dh, dw};
  g.OH = (H + 2 * ph - dh * (KH - 1) - 1) / sh + 1;
  g.OW = (W + 2 * pw - dw * (KW - 1) - 1) / sw + 1;
  return g;
}

std::vector<ConvGeom> shapes() {
  return {
      geom(1, 3, 7, 37, 10, 3, 3, 1, 1, 1, 1),      // batch 1, all three direct kernels, partial tile
      geom(2, 17, 13, 65, 19, 6, 3, 2, 1, 2, 1),    // 6x3, stride (2, 1): direct forward and weight grad
      geom(2, 5, 21, 35, 9, 5, 3, 1, 1, 2, 1),      // 5x3, stride 1, padded: all direct
      geom(1, 16, 33, 67, 24, 6, 3, 4, 1, 2, 1),    // stride (4, 1), ERANN-like stem
      geom(3, 7, 17, 41, 5, 3, 3, 2, 2, 1, 1),      // stride 2 both ways: im2col only
      geom(2, 33, 9, 47, 40, 3, 3, 1, 1, 1, 1),     // 33 and 40 channels: weight grad by im2col
      geom(1, 4, 11, 31, 6, 5, 3, 1, 1, 2, 1),      // 31-wide rows, just under the direct threshold
      geom(2, 3, 19, 64, 7, 3, 5, 4, 4, 1, 2),      // stride 4 both ways, 3x5
      geom(1, 2, 9, 50, 3, 3, 3, 1, 1, 2, 3, 2, 2),  // dilated, padded
      geom(2, 6, 15, 33, 11, 3, 5, 1, 1, 1, 2),     // KW 5, 33-wide rows: all direct
      geom(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0),        // 1x1 everything: pointwise path
      geom(3, 5, 7, 9, 4, 1, 1, 1, 1, 0, 0),        // pointwise, several samples
      geom(2, 256, 33, 32, 9, 3, 3, 1, 1, 1, 1),    // 256 channels, 3x3, 544 tiles: Winograd in the dispatch
  };
}

std::string name(const ConvGeom& g) {
  const auto s = [](int64_t v) { return std::to_string(v); };
  return "x (" + s(g.B) + ", " + s(g.C) + ", " + s(g.H) + ", " + s(g.W) + ") w (" + s(g.O) + ", " + s(g.C) + ", " +
         s(g.KH) + ", " + s(g.KW) + ") stride (" + s(g.sh) + ", " + s(g.sw) + ") padding (" + s(g.ph) + ", " + s(g.pw) +
         ")";
}

std::vector<double> randn(size_t n, std::mt19937& rng) {
  std::normal_distribution<double> d;
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

template <class T>
std::vector<T> cast(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// |got - want| <= atol + rtol |want| everywhere.
template <class T>
void expect_close(const std::vector<T>& got, const std::vector<double>& want, double rtol, double atol,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double excess = std::abs(double(got[i]) - want[i]) - (atol + rtol * std::abs(want[i]));
    if (excess > worst) worst = excess, at = i;
  }
  EXPECT_EQ(worst, 0.0) << what << ": element " << at << " is " << got[at] << ", reference " << want[at];
}

// The float64 reference of one shape: x, w, bias, gy and what they give.
struct Case {
  ConvGeom g;
  std::vector<double> x, w, bias, gy, y, dx, dw, db;
};

Case make_case(const ConvGeom& g, unsigned seed) {
  std::mt19937 rng(seed);
  Case c{g, randn(size_t(g.B * g.C * g.H * g.W), rng), randn(size_t(g.O * g.ckk()), rng), randn(size_t(g.O), rng),
         randn(size_t(g.B * g.O * g.L()), rng), {}, {}, {}, {}};
  c.y.assign(c.gy.size(), 0.0);
  c.dx.assign(c.x.size(), 0.0);
  c.dw.assign(c.w.size(), 0.0);
  c.db.assign(c.bias.size(), 0.0);
  forward_reference(c.x.data(), c.w.data(), c.bias.data(), c.y.data(), g);
  backward_reference(c.gy.data(), c.x.data(), c.w.data(), c.dx.data(), c.dw.data(), c.db.data(), g);
  return c;
}

template <class T>
void check_im2col(const Case& c, double rtol, double atol) {
  const ConvGeom& g = c.g;
  const std::vector<T> x = cast<T>(c.x), w = cast<T>(c.w), bias = cast<T>(c.bias), gy = cast<T>(c.gy);
  std::vector<T> y(c.y.size()), dx(c.dx.size(), T(0)), dw(c.dw.size()), db(c.db.size());
  im2col_forward<T>(x.data(), w.data(), bias.data(), y.data(), g);
  im2col_backward<T>(gy.data(), x.data(), w.data(), dx.data(), dw.data(), g);
  bias_backward<T>(gy.data(), db.data(), g);
  expect_close(y, c.y, rtol, atol, "im2col forward " + name(g));
  expect_close(dx, c.dx, rtol, atol, "im2col input grad " + name(g));
  expect_close(dw, c.dw, rtol, 10 * atol, "im2col weight grad " + name(g));
  expect_close(db, c.db, rtol, 10 * atol, "bias grad " + name(g));
}

TEST(ConvKernels, Im2colMatchesReference) {
  set_num_threads(2);
  unsigned seed = 1;
  for (const ConvGeom& g : shapes()) {
    const Case c = make_case(g, seed++);
    check_im2col<double>(c, 1e-12, 1e-12);
    check_im2col<float>(c, 1e-4, 1e-4);
  }
}

// Every direct kernel on every instruction set this CPU supports (isa.hpp): each is compiled from
// the same source with its own vector width and register tile, so each must match the reference.
TEST(ConvKernels, DirectMatchesReference) {
  set_num_threads(2);
  for (Isa isa : supported_isas()) {
    IsaGuard guard(isa);
    ASSERT_EQ(active_isa(), isa);
    SCOPED_TRACE(std::string("instruction set ") + isa_name(isa));
    int forward = 0, input_grad = 0, weight_grad = 0;
    unsigned seed = 100;
    for (const ConvGeom& g : shapes()) {
      const Case c = make_case(g, seed++);
      const std::vector<float> x = cast<float>(c.x), w = cast<float>(c.w), bias = cast<float>(c.bias),
                               gy = cast<float>(c.gy);
      if (direct_forward_ok(g)) {
        std::vector<float> y(c.y.size());
        direct_forward(x.data(), w.data(), bias.data(), y.data(), g);
        expect_close(y, c.y, 1e-4, 1e-4, "direct forward " + name(g));
        ++forward;
      }
      if (direct_backward_ok(g)) {
        std::vector<float> dx(c.dx.size());
        direct_input_grad(gy.data(), w.data(), dx.data(), g);
        expect_close(dx, c.dx, 1e-4, 1e-4, "direct input grad " + name(g));
        ++input_grad;
      }
      if (direct_weight_grad_ok(g)) {
        std::vector<float> dw(c.dw.size());
        direct_weight_grad(gy.data(), x.data(), dw.data(), g);
        expect_close(dw, c.dw, 1e-4, 1e-3, "direct weight grad " + name(g));
        ++weight_grad;
      }
    }
    EXPECT_GE(forward, 5);
    EXPECT_GE(input_grad, 3);
    EXPECT_GE(weight_grad, 3);
  }
}

// The generic kernels run everywhere; on an x86-64 CPU with AVX2 the AVX2 ones are the default
// (unless AUDIOGRAD_ISA caps them), and asking for a set the CPU lacks is an error naming it.
TEST(ConvKernels, InstructionSetChoice) {
  const std::vector<Isa> isas = supported_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::Generic);
  const Isa before = active_isa();
  if (!std::getenv("AUDIOGRAD_ISA")) {
    EXPECT_EQ(before, isas.back());
  }
  if (isas.back() != Isa::Avx512) {
    try {
      IsaGuard guard(Isa::Avx512);
      FAIL() << "IsaGuard(avx512) on a CPU without AVX-512 did not throw";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("avx512"), std::string::npos) << e.what();
    }
  }
  {
    IsaGuard guard(Isa::Generic);
    EXPECT_EQ(active_isa(), Isa::Generic);
  }
  EXPECT_EQ(active_isa(), before);
}

// Winograd F(2x2, 3x3) against the reference: odd and even H and W (partial tiles at the edges),
// channel counts that are no multiple of anything, batch 1, and a batch whose tiles span several
// chunks (the weight gradient sums its products over chunks).
TEST(ConvKernels, WinogradMatchesReference) {
  set_num_threads(2);
  const std::vector<ConvGeom> cases = {
      geom(1, 32, 7, 9, 33, 3, 3, 1, 1, 1, 1),     // batch 1, odd H and W
      geom(3, 37, 6, 8, 41, 3, 3, 1, 1, 1, 1),     // even H and W
      geom(2, 64, 45, 50, 35, 3, 3, 1, 1, 1, 1),   // 1150 tiles: more than one chunk at 64 channels
      geom(2, 48, 1, 2, 40, 3, 3, 1, 1, 1, 1),     // one row: a tile half outside
  };
  int taken = 0;
  unsigned seed = 300;
  for (const ConvGeom& g : cases) {
    ASSERT_TRUE(winograd_supports(g)) << name(g);
    ++taken;
    const Case c = make_case(g, seed++);
    const std::vector<float> x = cast<float>(c.x), w = cast<float>(c.w), bias = cast<float>(c.bias),
                             gy = cast<float>(c.gy);
    std::vector<float> y(c.y.size()), dx(c.dx.size()), dw(c.dw.size());
    winograd_forward(x.data(), w.data(), bias.data(), y.data(), g);
    winograd_input_grad(gy.data(), w.data(), dx.data(), g);
    winograd_weight_grad(gy.data(), x.data(), dw.data(), g);
    expect_close(y, c.y, 1e-4, 1e-4, "winograd forward " + name(g));
    expect_close(dx, c.dx, 1e-4, 1e-4, "winograd input grad " + name(g));
    expect_close(dw, c.dw, 1e-4, 1e-3, "winograd weight grad " + name(g));
  }
  EXPECT_EQ(taken, 4);
  EXPECT_TRUE(winograd_ok(geom(2, 256, 33, 32, 9, 3, 3, 1, 1, 1, 1)));   // chosen: the dispatch test runs it
  EXPECT_FALSE(winograd_ok(geom(1, 256, 9, 8, 9, 3, 3, 1, 1, 1, 1)));    // 20 tiles: the weight transform would dominate
  EXPECT_FALSE(winograd_ok(geom(1, 64, 8, 8, 64, 3, 3, 1, 1, 1, 1)));   // few channels: measured slower
  EXPECT_FALSE(winograd_supports(geom(1, 64, 8, 8, 64, 3, 3, 2, 2, 1, 1)));  // strided
  EXPECT_FALSE(winograd_supports(geom(1, 64, 8, 8, 64, 5, 3, 1, 1, 2, 1)));  // 5x3
}

// forward / backward choose a kernel per shape; with and without ReferenceKernelsGuard the result
// is the reference's, and any gradient may be left out (null).
TEST(ConvKernels, DispatchMatchesReference) {
  set_num_threads(2);
  unsigned seed = 200;
  for (const ConvGeom& g : shapes()) {
    const Case c = make_case(g, seed++);
    const std::vector<float> x = cast<float>(c.x), w = cast<float>(c.w), bias = cast<float>(c.bias),
                             gy = cast<float>(c.gy);
    for (bool reference : {false, true}) {
      std::unique_ptr<ReferenceKernelsGuard> guard(reference ? new ReferenceKernelsGuard : nullptr);
      const std::string what = std::string(reference ? "guarded " : "") + name(g);
      std::vector<float> y(c.y.size()), dx(c.dx.size(), 0.0f), dw(c.dw.size()), db(c.db.size());
      forward<float>(x.data(), w.data(), bias.data(), y.data(), g);
      backward<float>(gy.data(), x.data(), w.data(), dx.data(), dw.data(), db.data(), g);
      expect_close(y, c.y, 1e-4, 1e-4, "forward " + what);
      expect_close(dx, c.dx, 1e-4, 1e-4, "input grad " + what);
      expect_close(dw, c.dw, 1e-4, 1e-3, "weight grad " + what);
      expect_close(db, c.db, 1e-4, 1e-3, "bias grad " + what);
      std::vector<float> dw_only(c.dw.size());
      backward<float>(gy.data(), x.data(), w.data(), nullptr, dw_only.data(), nullptr, g);
      expect_close(dw_only, c.dw, 1e-4, 1e-3, "weight grad alone " + what);
    }
  }
}

}  // namespace
}  // namespace ag::conv
