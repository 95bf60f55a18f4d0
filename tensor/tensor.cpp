// tensor.cpp: storage, shapes and strides, views, copies and creation.
#include "tensor/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <numeric>
#include <unordered_map>

#include "tensor/kernels.hpp"

namespace ag {

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

// Why a cache: a training step allocates the same large activations every iteration. A fresh
// multi-megabyte block comes from mmap, and first touching each of its 4 KiB pages costs a page
// fault (about 5 % of a 2048^2 GEMM, and more than the work of an element-wise op). Keeping freed
// blocks of 64 KiB and more for reuse by the next allocation of the same size removes that. The
// cache holds at most kMaxCachedBytes; empty_cache() returns everything to the system. Sanitizer
// builds bypass it, so AddressSanitizer still sees every use-after-free.
namespace {
constexpr size_t kMinCachedBytes = size_t{1} << 16;
constexpr size_t kMaxCachedBytes = size_t{2} << 30;

struct BlockCache {
  std::mutex mutex;
  std::unordered_multimap<size_t, void*> blocks;  // rounded size -> free block
  size_t bytes = 0;
};

BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache;  // never destroyed: Storages may outlive statics
  return *cache;
}

#ifdef AUDIOGRAD_NO_ALLOCATOR_CACHE
constexpr bool kCacheEnabled = false;
#else
constexpr bool kCacheEnabled = true;
#endif

void* allocate(size_t rounded) {
  if (kCacheEnabled && rounded >= kMinCachedBytes) {
    BlockCache& c = block_cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.blocks.find(rounded);
    if (it != c.blocks.end()) {
      void* p = it->second;
      c.blocks.erase(it);
      c.bytes -= rounded;
      return p;
    }
  }
  return std::aligned_alloc(64, rounded);
}

void release(void* p, size_t rounded) {
  if (kCacheEnabled && rounded >= kMinCachedBytes) {
    BlockCache& c = block_cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.bytes + rounded <= kMaxCachedBytes) {
      c.blocks.emplace(rounded, p);
      c.bytes += rounded;
      return;
    }
  }
  std::free(p);
}

size_t rounded_size(size_t nbytes) { return std::max<size_t>(64, (nbytes + 63) / 64 * 64); }
}  // namespace

Storage::Storage(size_t nbytes, bool zero) : nbytes_(nbytes) {
  // 64-byte alignment: a cache line, and what AVX-512 loads like. aligned_alloc wants a multiple.
  size_t rounded = rounded_size(nbytes);
  data_ = allocate(rounded);
  if (!data_) fail<Error>("Storage: out of memory allocating ", nbytes, " bytes");
  if (zero) std::memset(data_, 0, rounded);
}

Storage::~Storage() { release(data_, rounded_size(nbytes_)); }

size_t cached_bytes() {
  BlockCache& c = block_cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.bytes;
}

void empty_cache() {
  BlockCache& c = block_cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto& [size, p] : c.blocks) std::free(p);
  c.blocks.clear();
  c.bytes = 0;
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) fail<ValueError>("shape ", shape_str(shape), " has a negative size");
    n *= s;
  }
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    strides[d] = s;
    s *= std::max<int64_t>(shape[d], 1);
  }
  return strides;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1, like torch
  if (dim < -n || dim >= n)
    fail<IndexError>(op, ": dimension ", dim, " is out of range for a ", ndim, "-d tensor (expected ", -n, " to ", n - 1, ")");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail<ShapeError>(op, ": shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast (dimension ", i,
                       ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void check_defined(const Tensor& t, const char* op) {
  if (!t.defined()) fail<ValueError>(op, ": tensor is undefined (default-constructed)");
}

// ---------------------------------------------------------------------------------------------
// Tensor basics
// ---------------------------------------------------------------------------------------------

Tensor::Tensor(const Shape& shape, DType dtype)
    : storage_(std::make_shared<Storage>(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype))),
      shape_(shape),
      strides_(contiguous_strides(shape)),
      dtype_(dtype) {}

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype)
    : storage_(std::move(storage)), shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset), dtype_(dtype) {}

Tensor Tensor::uninitialized(const Shape& shape, DType dtype) {
  return Tensor(std::make_shared<Storage>(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype), /*zero=*/false), shape,
                contiguous_strides(shape), 0, dtype);
}

int64_t Tensor::size(int64_t d) const { return shape_[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides_[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (shape_[d] == 1) continue;
    if (strides_[d] != expected) return false;
    expected *= shape_[d];
  }
  return true;
}

template <class T>
T* Tensor::data_ptr() const {
  check_defined(*this, "data_ptr");
  if (dtype_of<T>() != dtype_)
    fail<TypeError>("data_ptr: tensor is ", dtype_name(dtype_), ", requested ", dtype_name(dtype_of<T>()));
  return static_cast<T*>(storage_->data()) + offset_;
}
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template int64_t* Tensor::data_ptr<int64_t>() const;

template <class T>
T Tensor::item() const {
  check_defined(*this, "item");
  if (numel() != 1) fail<ValueError>("item: expected a one-element tensor, got shape ", shape_str(shape_));
  return dispatch(dtype_, [&](auto tag) { return static_cast<T>(*data_ptr<decltype(tag)>()); });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;

double Tensor::at(const std::vector<int64_t>& index) const {
  check_defined(*this, "at");
  if (static_cast<int64_t>(index.size()) != dim())
    fail<IndexError>("at: index has ", index.size(), " entries for a ", dim(), "-d tensor");
  int64_t off = 0;
  for (int64_t d = 0; d < dim(); ++d) {
    int64_t i = index[d] < 0 ? index[d] + shape_[d] : index[d];
    if (i < 0 || i >= shape_[d]) fail<IndexError>("at: index ", index[d], " out of range for dimension ", d, " of size ", shape_[d]);
    off += i * strides_[d];
  }
  return dispatch(dtype_, [&](auto tag) { return static_cast<double>(data_ptr<decltype(tag)>()[off]); });
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  check_defined(*this, "to_vector");
  Tensor c = to(dtype_of<T>()).contiguous();
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

// ---------------------------------------------------------------------------------------------
// Copies
// ---------------------------------------------------------------------------------------------

Tensor Tensor::contiguous() const {
  check_defined(*this, "contiguous");
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  check_defined(*this, "clone");
  Tensor out = uninitialized(shape_, dtype_);
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  check_defined(*this, "to");
  if (dtype == dtype_) return *this;
  Tensor out = uninitialized(shape_, dtype);
  out.copy_(*this);
  return out;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_defined(*this, "copy_");
  check_defined(src, "copy_");
  Shape b = broadcast_shapes(src.shape(), shape_, "copy_");
  if (b != shape_) fail<ShapeError>("copy_: source ", shape_str(src.shape()), " cannot be broadcast to ", shape_str(shape_));
  Tensor s = src;
  if (storage_ == src.storage_) s = src.clone();  // overlapping source and destination
  dispatch(dtype_, [&](auto dtag) {
    using D = decltype(dtag);
    dispatch(s.dtype(), [&](auto stag) {
      using S = decltype(stag);
      std::array<Shape, 2> strides{strides_, kernels::broadcast_strides(s, shape_)};
      D* dst = data_ptr<D>();
      const S* sp = s.data_ptr<S>();
      kernels::for_each_fast<2>(shape_, strides, [&](int64_t n, const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st) {
        for (int64_t i = 0; i < n; ++i) dst[off[0] + i * st[0]] = static_cast<D>(sp[off[1] + i * st[1]]);
      });
    });
  });
  return *this;
}

namespace {
// Applies `f(element, value)` in place to every element of t (any strides), value cast to t's type:
// the one loop behind fill_ and mul_.
template <class F>
void update_each(Tensor& t, double value, F f) {
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = static_cast<T>(value);
    T* dst = t.data_ptr<T>();
    std::array<Shape, 1> strides{t.strides()};
    kernels::for_each_fast<1>(t.shape(), strides, [&](int64_t n, const std::array<int64_t, 1>& off, const std::array<int64_t, 1>& st) {
      for (int64_t i = 0; i < n; ++i) f(dst[off[0] + i * st[0]], v);
    });
  });
}
}  // namespace

Tensor& Tensor::fill_(double value) {
  check_defined(*this, "fill_");
  update_each(*this, value, [](auto& x, auto v) { x = v; });
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_defined(*this, "add_");
  check_defined(other, "add_");
  Shape b = broadcast_shapes(other.shape(), shape_, "add_");
  if (b != shape_) fail<ShapeError>("add_: ", shape_str(other.shape()), " cannot be broadcast to ", shape_str(shape_));
  Tensor o = other.to(dtype_);
  if (storage_ == o.storage_) o = o.clone();
  dispatch(dtype_, [&](auto tag) {
    using T = decltype(tag);
    T a = static_cast<T>(alpha);
    T* dst = data_ptr<T>();
    const T* src = o.data_ptr<T>();
    std::array<Shape, 2> strides{strides_, kernels::broadcast_strides(o, shape_)};
    kernels::for_each_fast<2>(shape_, strides, [&](int64_t n, const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st) {
      for (int64_t i = 0; i < n; ++i) dst[off[0] + i * st[0]] += a * src[off[1] + i * st[1]];
    });
  });
  return *this;
}

Tensor& Tensor::mul_(double value) {
  check_defined(*this, "mul_");
  update_each(*this, value, [](auto& x, auto v) { x *= v; });
  return *this;
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

namespace {

// Resolves one -1 in a requested shape against numel.
Shape infer_shape(Shape shape, int64_t numel, const Shape& from, const char* op) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail<ValueError>(op, ": only one dimension can be -1 in ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      fail<ValueError>(op, ": invalid size ", shape[i], " in ", shape_str(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      fail<ShapeError>(op, ": shape ", shape_str(shape), " is invalid for input of shape ", shape_str(from), " (", numel, " elements)");
    shape[infer] = numel / known;
  }
  if (shape_numel(shape) != numel)
    fail<ShapeError>(op, ": shape ", shape_str(shape), " is invalid for input of shape ", shape_str(from), " (", numel, " elements)");
  return shape;
}

// Strides for viewing (shape, strides) as new_shape without copying, if possible (the algorithm of
// PyTorch's computeStride: each run of old dimensions that is contiguous in memory may be split
// or merged freely). Returns false when the view would need a copy.
bool view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape, Shape& out) {
  out.assign(new_shape.size(), 0);
  if (shape_numel(shape) == 0) {
    out = contiguous_strides(new_shape);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  while (view_d >= 0) {  // leftover size-1 dims
    out[view_d] = 1;
    --view_d;
  }
  return true;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  check_defined(*this, "view");
  Shape s = infer_shape(shape, numel(), shape_, "view");
  Shape st;
  if (!view_strides(shape_, strides_, s, st))
    fail<ShapeError>("view: cannot view a tensor of shape ", shape_str(shape_), " and strides ", shape_str(strides_), " as ",
                     shape_str(s), " without a copy; use reshape() (which copies) or contiguous() first");
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::reshape(const Shape& shape) const {
  check_defined(*this, "reshape");
  Shape s = infer_shape(shape, numel(), shape_, "reshape");
  Shape st;
  if (view_strides(shape_, strides_, s, st)) return Tensor(storage_, s, st, offset_, dtype_);
  return clone().view(s);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  check_defined(*this, "transpose");
  d0 = wrap_dim(d0, dim(), "transpose");
  d1 = wrap_dim(d1, dim(), "transpose");
  if (dim() == 0) return *this;
  Shape s = shape_, st = strides_;
  std::swap(s[d0], s[d1]);
  std::swap(st[d0], st[d1]);
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::t() const {
  if (dim() > 2) fail<ShapeError>("t: expects a tensor with <= 2 dimensions, got shape ", shape_str(shape_));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  check_defined(*this, "permute");
  if (static_cast<int64_t>(dims.size()) != dim())
    fail<ShapeError>("permute: got ", dims.size(), " dims for a tensor of shape ", shape_str(shape_));
  Shape s(dims.size()), st(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], dim(), "permute");
    if (seen[d]) fail<ValueError>("permute: dimension ", d, " appears twice in ", shape_str(dims));
    seen[d] = true;
    s[i] = shape_[d];
    st[i] = strides_[d];
  }
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  check_defined(*this, "narrow");
  if (dim() == 0) fail<IndexError>("narrow: cannot narrow a 0-d tensor");
  d = wrap_dim(d, dim(), "narrow");
  if (start < 0) start += shape_[d];
  if (start < 0 || length < 0 || start + length > shape_[d])
    fail<IndexError>("narrow: start ", start, " + length ", length, " exceeds dimension ", d, " of size ", shape_[d], " in shape ",
                     shape_str(shape_));
  Shape s = shape_;
  s[d] = length;
  return Tensor(storage_, s, strides_, offset_ + start * strides_[d], dtype_);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  check_defined(*this, "slice");
  if (dim() == 0) fail<IndexError>("slice: cannot slice a 0-d tensor");
  d = wrap_dim(d, dim(), "slice");
  if (step <= 0) fail<ValueError>("slice: step must be positive, got ", step);
  int64_t n = shape_[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = shape_, st = strides_;
  s[d] = (end - start + step - 1) / step;
  st[d] = strides_[d] * step;
  return Tensor(storage_, s, st, offset_ + start * strides_[d], dtype_);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  check_defined(*this, "select");
  if (dim() == 0) fail<IndexError>("select: cannot select from a 0-d tensor");
  d = wrap_dim(d, dim(), "select");
  int64_t i = index < 0 ? index + shape_[d] : index;
  if (i < 0 || i >= shape_[d])
    fail<IndexError>("select: index ", index, " is out of range for dimension ", d, " of size ", shape_[d]);
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return Tensor(storage_, s, st, offset_ + i * strides_[d], dtype_);
}

Tensor Tensor::expand(const Shape& shape) const {
  check_defined(*this, "expand");
  if (shape.size() < shape_.size())
    fail<ShapeError>("expand: cannot expand ", shape_str(shape_), " to fewer dimensions ", shape_str(shape));
  size_t lead = shape.size() - shape_.size();
  Shape s(shape.size()), st(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      if (shape[i] < 0) fail<ShapeError>("expand: size -1 is not allowed for a new leading dimension in ", shape_str(shape));
      s[i] = shape[i];
      st[i] = 0;
      continue;
    }
    int64_t cur = shape_[i - lead];
    int64_t want = shape[i] == -1 ? cur : shape[i];
    if (cur == want) {
      s[i] = cur;
      st[i] = strides_[i - lead];
    } else if (cur == 1) {
      s[i] = want;
      st[i] = 0;
    } else {
      fail<ShapeError>("expand: cannot expand ", shape_str(shape_), " to ", shape_str(shape), " (dimension ", i, ": ", cur,
                       " is not 1)");
    }
  }
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::squeeze() const {
  check_defined(*this, "squeeze");
  Shape s, st;
  for (int64_t d = 0; d < dim(); ++d)
    if (shape_[d] != 1) {
      s.push_back(shape_[d]);
      st.push_back(strides_[d]);
    }
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::squeeze(int64_t d) const {
  check_defined(*this, "squeeze");
  if (dim() == 0) return *this;
  d = wrap_dim(d, dim(), "squeeze");
  if (shape_[d] != 1) return *this;
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  check_defined(*this, "unsqueeze");
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = shape_, st = strides_;
  int64_t new_stride = d < dim() ? strides_[d] * shape_[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, new_stride);
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  check_defined(*this, "flatten");
  if (dim() == 0) return reshape({1});
  start_dim = wrap_dim(start_dim, dim(), "flatten");
  end_dim = wrap_dim(end_dim, dim(), "flatten");
  if (start_dim > end_dim) fail<ValueError>("flatten: start_dim ", start_dim, " is after end_dim ", end_dim);
  Shape s(shape_.begin(), shape_.begin() + start_dim);
  int64_t n = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) n *= shape_[d];
  s.push_back(n);
  s.insert(s.end(), shape_.begin() + end_dim + 1, shape_.end());
  return reshape(s);
}

// ---------------------------------------------------------------------------------------------
// Creation
// ---------------------------------------------------------------------------------------------

Tensor empty(const Shape& shape, DType dtype) { return Tensor(shape, dtype); }
Tensor zeros(const Shape& shape, DType dtype) { return Tensor(shape, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t(shape, dtype);
  if (value != 0) t.fill_(value);
  return t;
}
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype()); }
Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }

Tensor arange(double start, double end, double step, DType dtype) {
  if (step == 0) fail<ValueError>("arange: step must be nonzero");
  double count = std::ceil((end - start) / step);
  if (!std::isfinite(count)) fail<ValueError>("arange: non-finite range ", start, " to ", end);
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  Tensor t({n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, DType dtype) {
  if (steps < 0) fail<ValueError>("linspace: steps must be >= 0, got ", steps);
  Tensor t({steps}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
    // Like torch: the first half counts up from start, the second half down from end, so both
    // ends are exact.
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<T>(i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i));
  });
  return t;
}

Tensor eye(int64_t n, DType dtype) {
  if (n < 0) fail<ValueError>("eye: n must be >= 0, got ", n);
  Tensor t({n, n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) p[i * n + i] = T(1);
  });
  return t;
}

template <class T>
Tensor from_vector(const std::vector<T>& values, Shape shape) {
  if (shape.empty()) shape = {static_cast<int64_t>(values.size())};  // 0-d tensors: scalar_tensor()
  if (shape_numel(shape) != static_cast<int64_t>(values.size()))
    fail<ShapeError>("from_vector: ", values.size(), " values do not fill shape ", shape_str(shape));
  Tensor t(shape, dtype_of<T>());
  std::copy(values.begin(), values.end(), t.data_ptr<T>());
  return t;
}
template Tensor from_vector<float>(const std::vector<float>&, Shape);
template Tensor from_vector<double>(const std::vector<double>&, Shape);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, Shape);

Tensor tensor(std::initializer_list<double> values, Shape shape, DType dtype) {
  return from_vector(std::vector<double>(values), std::move(shape)).to(dtype);
}

// ---------------------------------------------------------------------------------------------
// Loop helpers shared with the kernels
// ---------------------------------------------------------------------------------------------

namespace kernels {
Shape broadcast_strides(const Tensor& t, const Shape& shape) {
  Shape st(shape.size(), 0);
  size_t lead = shape.size() - t.shape().size();
  for (size_t i = 0; i < t.shape().size(); ++i)
    st[lead + i] = (t.shape()[i] == 1 && shape[lead + i] != 1) ? 0 : t.strides()[i];
  return st;
}
}  // namespace kernels

}  // namespace ag
