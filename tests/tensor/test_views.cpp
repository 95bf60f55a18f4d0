// test_views.cpp: creation, strides, views that share memory, contiguous copies.
#include <gtest/gtest.h>

#include "tensor/reduce.hpp"
#include "tensor/tensor.hpp"

namespace ag {
namespace {

TEST(Creation, ShapesDtypesAndValues) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.strides(), (Shape{3, 1}));
  EXPECT_EQ(z.dtype(), DType::Float32);
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(ones({2}, DType::Int64).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(full({3}, 2.5, DType::Float64).to_vector<double>(), (std::vector<double>{2.5, 2.5, 2.5}));
  EXPECT_EQ(arange(5, DType::Int64).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(1, 2, 0.25, DType::Float64).to_vector<double>(), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(linspace(0, 1, 5, DType::Float64).to_vector<double>(), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(eye(3).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(scalar_tensor(4).dim(), 0);
  EXPECT_EQ(scalar_tensor(4).numel(), 1);
  EXPECT_EQ(from_vector(std::vector<int64_t>{1, 2, 3, 4}, {2, 2}).at({1, 0}), 3);
}

TEST(Creation, BadInput) {
  EXPECT_THROW(zeros({2, -1}), ValueError);
  EXPECT_THROW(arange(0, 1, 0), ValueError);
  EXPECT_THROW(from_vector(std::vector<float>{1, 2, 3}, {2, 2}), ShapeError);
  EXPECT_THROW(linspace(0, 1, -1), ValueError);
  EXPECT_THROW(ones({2}).data_ptr<double>(), TypeError);
  EXPECT_THROW(ones({2}).item<float>(), ValueError);
  EXPECT_THROW(Tensor().contiguous(), ValueError);
}

TEST(Views, CopyingATensorCopiesTheHandle) {
  Tensor a = zeros({3});
  Tensor b = a;  // same storage
  b.fill_(7);
  EXPECT_EQ(a.at({0}), 7);
  Tensor c = a.clone();
  c.fill_(1);
  EXPECT_EQ(a.at({0}), 7);
  EXPECT_FALSE(c.shares_storage(a));
}

TEST(Views, TransposePermuteAreStrideSwaps) {
  Tensor a = arange(24).reshape({2, 3, 4});
  Tensor t = a.transpose(0, 2);
  EXPECT_EQ(t.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(t.strides(), (Shape{1, 4, 12}));
  EXPECT_TRUE(t.shares_storage(a));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.at({3, 1, 1}), a.at({1, 1, 3}));
  Tensor p = a.permute({1, 2, 0});
  EXPECT_EQ(p.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(p.at({2, 3, 1}), a.at({1, 2, 3}));
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(c.shares_storage(a));
  EXPECT_EQ(c.at({3, 1, 1}), a.at({1, 1, 3}));
  EXPECT_TRUE(a.contiguous().shares_storage(a));  // already contiguous: no copy
}

TEST(Views, NarrowSliceSelectWriteThrough) {
  Tensor a = arange(20).reshape({4, 5});
  Tensor n = a.narrow(1, 1, 3);
  EXPECT_EQ(n.shape(), (Shape{4, 3}));
  EXPECT_EQ(n.offset(), 1);
  EXPECT_EQ(n.at({2, 0}), 11);
  Tensor s = a.slice(0, 1, 4, 2);  // rows 1 and 3
  EXPECT_EQ(s.shape(), (Shape{2, 5}));
  EXPECT_EQ(s.at({1, 4}), 19);
  EXPECT_EQ(a.slice(1, -2, 100).shape(), (Shape{4, 2}));  // negative start, clamped end
  Tensor row = a.select(0, -1);
  EXPECT_EQ(row.shape(), (Shape{5}));
  row.fill_(0);
  EXPECT_EQ(a.at({3, 2}), 0);  // a view: the write is visible
}

TEST(Views, ReshapeViewsWhenItCanAndCopiesWhenItMust) {
  Tensor a = arange(12).reshape({3, 4});
  Tensor r = a.reshape({2, -1});
  EXPECT_EQ(r.shape(), (Shape{2, 6}));
  EXPECT_TRUE(r.shares_storage(a));
  Tensor t = a.t();
  EXPECT_THROW(t.view({12}), ShapeError);
  Tensor flat = t.reshape({12});
  EXPECT_FALSE(flat.shares_storage(a));
  EXPECT_EQ(flat.to_vector<float>(), (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  // Splitting a transposed dim is a view.
  Tensor v = arange(24).reshape({4, 6}).t().view({2, 3, 4});
  EXPECT_EQ(v.at({1, 2, 3}), 23);
  EXPECT_THROW(a.reshape({5, -1}), ShapeError);
  EXPECT_THROW(a.reshape({-1, -1}), ValueError);
}

TEST(Views, ExpandSqueezeUnsqueezeFlatten) {
  Tensor a = arange(3).reshape({3, 1});
  Tensor e = a.expand({2, 3, 4});
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(e.at({1, 2, 3}), 2);
  EXPECT_EQ(a.expand({-1, 5}).shape(), (Shape{3, 5}));
  EXPECT_THROW(a.expand({4, 4}), ShapeError);
  EXPECT_EQ(zeros({1, 3, 1}).squeeze().shape(), (Shape{3}));
  EXPECT_EQ(zeros({1, 3, 1}).squeeze(0).shape(), (Shape{3, 1}));
  EXPECT_EQ(zeros({1, 3, 1}).squeeze(1).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(zeros({3}).unsqueeze(-1).shape(), (Shape{3, 1}));
  EXPECT_EQ(zeros({2, 3, 4, 5}).flatten(1, 2).shape(), (Shape{2, 12, 5}));
  EXPECT_EQ(zeros({2, 3, 4}).flatten().shape(), (Shape{24}));
  EXPECT_THROW(zeros({2}).unsqueeze(3), IndexError);
}

TEST(Views, ConvertAndCopyBroadcast) {
  Tensor a = tensor({1.7, -2.2});
  EXPECT_EQ(a.to(DType::Int64).to_vector<int64_t>(), (std::vector<int64_t>{1, -2}));
  Tensor z = zeros({2, 2}, DType::Float64);
  z.copy_(tensor({1, 2}));
  EXPECT_EQ(z.to_vector<double>(), (std::vector<double>{1, 2, 1, 2}));
  EXPECT_THROW(z.copy_(zeros({3})), ShapeError);
  z.add_(ones({2}, DType::Float64), 0.5);
  EXPECT_EQ(z.to_vector<double>(), (std::vector<double>{1.5, 2.5, 1.5, 2.5}));
  z.t().select(0, 1).mul_(2);  // in place through a strided view: the second column
  EXPECT_EQ(z.to_vector<double>(), (std::vector<double>{1.5, 5, 1.5, 5}));
}

}  // namespace
}  // namespace ag

namespace ag {
namespace {
TEST(Allocator, ReusesFreedLargeBlocksAndZeroesWhenAsked) {
  empty_cache();
  EXPECT_EQ(cached_bytes(), 0u);
  {
    Tensor big = full({1 << 16}, 3.0);  // 256 KiB
  }
#ifndef AUDIOGRAD_NO_ALLOCATOR_CACHE
  EXPECT_GE(cached_bytes(), size_t{1} << 18);
#endif
  Tensor again = zeros({1 << 16});  // may reuse the block: must still be zero
  EXPECT_EQ(sum(again).item<double>(), 0.0);
  empty_cache();
  EXPECT_EQ(cached_bytes(), 0u);
}

#ifndef AUDIOGRAD_NO_ALLOCATOR_CACHE
// A hit takes a block of the same size; a miss first hands back as many cached bytes of other
// sizes as it takes, oldest first, so blocks nobody asks for again do not pile up.
TEST(Allocator, AMissHandsBackOldBlocksOfOtherSizes) {
  empty_cache();
  const size_t kib256 = size_t{1} << 18, kib512 = size_t{1} << 19;
  { Tensor a = zeros({1 << 16}), b = zeros({1 << 16}); }  // two 256 KiB blocks cached
  EXPECT_EQ(cached_bytes(), 2 * kib256);
  {
    Tensor hit = zeros({1 << 16});  // reuses one of them
    EXPECT_EQ(cached_bytes(), kib256);
  }
  EXPECT_EQ(cached_bytes(), 2 * kib256);
  {
    Tensor miss = zeros({1 << 17});  // 512 KiB: no such block, so both 256 KiB blocks go back
    EXPECT_EQ(cached_bytes(), 0u);
  }
  EXPECT_EQ(cached_bytes(), kib512);  // and the 512 KiB one is cached in turn
  empty_cache();
}
#endif
}  // namespace
}  // namespace ag
