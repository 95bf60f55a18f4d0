// distributed.cpp: the one-process communicator, bucketed gradient allreduce, broadcasts, and
// synchronised batch norm (see distributed.hpp).
#include "nn/distributed.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "nn/batchnorm.hpp"

namespace ag::nn {

namespace {

class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(float*, int64_t) override {}
  void allreduce_sum(double*, int64_t) override {}
  void broadcast(void*, int64_t, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int code) override { std::exit(code); }
  std::string name() const override { return "local"; }
};

// Sums the float tensors `parts` over the ranks, `cap` elements per allreduce: a slice of a large
// tensor is reduced where it lies; small ones (and tails) are packed into one buffer of `cap`.
// Every rank sees the same sizes in the same order, so the calls match up.
template <class T>
int64_t reduce_parts(const std::vector<Tensor>& parts, Communicator& comm, int64_t cap) {
  std::vector<T> buffer;
  struct Piece {
    T* dst;
    int64_t at, len;  // buffer[at, at + len) goes back to dst
  };
  std::vector<Piece> pieces;
  int64_t used = 0, calls = 0;
  auto flush = [&] {
    if (used == 0) return;
    comm.allreduce_sum(buffer.data(), used);
    ++calls;
    for (const Piece& p : pieces) std::copy(buffer.begin() + p.at, buffer.begin() + p.at + p.len, p.dst);
    pieces.clear();
    used = 0;
  };
  for (const Tensor& t : parts) {
    T* p = t.data_ptr<T>();
    const int64_t n = t.numel();
    for (int64_t off = 0; off < n;) {
      if (used == 0 && n - off >= cap) {  // a whole bucket of this tensor: in place, no copy
        comm.allreduce_sum(p + off, cap);
        ++calls;
        off += cap;
        continue;
      }
      if (buffer.empty()) buffer.resize(static_cast<size_t>(cap));
      const int64_t take = std::min(cap - used, n - off);
      std::copy(p + off, p + off + take, buffer.begin() + used);
      pieces.push_back({p + off, used, take});
      used += take;
      off += take;
      if (used == cap) flush();
    }
  }
  flush();
  return calls;
}

void collect_batchnorms(Module& m, std::vector<BatchNorm*>& out) {
  if (auto* bn = dynamic_cast<BatchNorm*>(&m)) out.push_back(bn);
  for (const auto& [name, child] : m.named_children()) collect_batchnorms(*child, out);
}

}  // namespace

std::shared_ptr<Communicator> local_communicator() { return std::make_shared<LocalCommunicator>(); }

int64_t allreduce_gradients(const std::vector<Variable>& params, Communicator& comm, const GradientBuckets& buckets) {
  if (buckets.bucket_bytes < 8) fail<ValueError>("allreduce_gradients: bucket_bytes must be >= 8, got ", buckets.bucket_bytes);
  if (comm.size() == 1) return 0;
  // The trainable parameters, each once (a shared parameter may be listed twice).
  std::vector<Variable> trainable;
  std::set<const void*> seen;
  for (const Variable& p : params)
    if (p.requires_grad() && seen.insert(p.impl().get()).second) trainable.push_back(p);
  // Which gradients exist on any rank (one small allreduce): the others stay undefined everywhere.
  std::vector<double> defined(trainable.size());
  for (size_t i = 0; i < trainable.size(); ++i) defined[i] = trainable[i].grad().defined() ? 1.0 : 0.0;
  comm.allreduce_sum(defined.data(), static_cast<int64_t>(defined.size()));
  std::vector<Tensor> f32, f64;
  for (size_t i = 0; i < trainable.size(); ++i) {
    if (defined[i] == 0) continue;
    Variable& p = trainable[i];
    Tensor g = p.grad();
    if (!g.defined()) g = zeros(p.shape(), p.dtype());
    else if (!g.is_contiguous()) g = g.contiguous();
    if (g.dtype() != DType::Float32 && g.dtype() != DType::Float64)
      fail<TypeError>("allreduce_gradients: gradients must be float32 or float64, got ", dtype_name(g.dtype()));
    p.set_grad(g);
    (g.dtype() == DType::Float32 ? f32 : f64).push_back(g);
  }
  const int64_t cap32 = std::max<int64_t>(1, buckets.bucket_bytes / 4), cap64 = std::max<int64_t>(1, buckets.bucket_bytes / 8);
  return reduce_parts<float>(f32, comm, cap32) + reduce_parts<double>(f64, comm, cap64);
}

void broadcast_tensor(Tensor& t, Communicator& comm, int root) {
  if (comm.size() == 1) return;
  if (!t.is_contiguous()) fail<ValueError>("broadcast_tensor: the tensor must be contiguous, got ", shape_str(t.shape()));
  void* data = t.dtype() == DType::Float32   ? static_cast<void*>(t.data_ptr<float>())
               : t.dtype() == DType::Float64 ? static_cast<void*>(t.data_ptr<double>())
                                             : static_cast<void*>(t.data_ptr<int64_t>());
  comm.broadcast(data, t.numel() * static_cast<int64_t>(dtype_size(t.dtype())), root);
}

void broadcast_module(Module& module, Communicator& comm, int root) {
  if (comm.size() == 1) return;
  for (auto& [name, p] : module.named_parameters()) {
    Tensor t = p.data();
    broadcast_tensor(t, comm, root);
  }
  broadcast_buffers(module, comm, root);
}

void broadcast_buffers(Module& module, Communicator& comm, int root) {
  if (comm.size() == 1) return;
  for (auto& [name, b] : module.named_buffers()) broadcast_tensor(b, comm, root);
}

void broadcast_string(std::string& s, Communicator& comm, int root) {
  if (comm.size() == 1) return;
  int64_t n = static_cast<int64_t>(s.size());
  comm.broadcast(&n, sizeof n, root);
  s.resize(static_cast<size_t>(n));
  if (n > 0) comm.broadcast(s.data(), n, root);
}

int64_t sync_batchnorm(Module& module, std::shared_ptr<Communicator> comm) {
  if (!comm) fail<ValueError>("sync_batchnorm: no communicator");
  if (comm->size() == 1) return 0;
  std::vector<BatchNorm*> layers;
  collect_batchnorms(module, layers);
  for (BatchNorm* bn : layers) bn->set_allreduce([comm](double* data, int64_t n) { comm->allreduce_sum(data, n); });
  return static_cast<int64_t>(layers.size());
}

}  // namespace ag::nn
