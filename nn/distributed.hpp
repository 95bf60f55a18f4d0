// distributed.hpp: data-parallel training over several processes, as PyTorch's
// DistributedDataParallel and Horovod do it: every process (a "rank") holds the whole model, runs
// forward and backward on its own share of the global batch, and the gradients are summed over the
// ranks before the optimiser step, so that every rank then takes the same step.
//
// The transport is a Communicator: an interface with the few collectives data parallelism needs.
// The library has no MPI in it; nn/mpi_communicator.hpp (the audiograd_mpi target, built when MPI
// is found) implements the interface with MPI_Allreduce / MPI_Bcast, and local_communicator() is
// the one-process stand-in, so the same training loop runs with or without MPI.
//
// The data-parallel step, for R ranks and a global batch of m clips of which this rank has m_r:
//   loss_r = (m_r / m) * mean loss of this rank's clips      (so sum_r loss_r = the global mean)
//   backward(loss_r);  allreduce_gradients(params, comm)     (every rank now has d(global mean)/dθ)
//   clip, optimiser step, schedule: identical on every rank.
// Batch norm keeps per-rank statistics (DDP's default) unless sync_batchnorm() makes it normalise
// over the global batch (SyncBatchNorm); broadcast_module() then copies rank 0's running statistics
// to every rank before evaluation and checkpoints (what DDP's broadcast_buffers achieves).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.hpp"

namespace ag::nn {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Sums `n` values over every rank, in place (every rank gets the sum).
  virtual void allreduce_sum(float* data, int64_t n) = 0;
  virtual void allreduce_sum(double* data, int64_t n) = 0;
  // Copies `bytes` bytes from rank `root` to every other rank.
  virtual void broadcast(void* data, int64_t bytes, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank at once (after this rank has printed its error); does not return.
  [[noreturn]] virtual void abort(int code) = 0;
  // "MPI (4 ranks)", "local".
  virtual std::string name() const = 0;
};

// One process: the collectives are no-ops (a sum over one rank is the value itself).
std::shared_ptr<Communicator> local_communicator();

struct GradientBuckets {
  // Gradients are summed in buckets of at most this many bytes (PyTorch DDP's bucket_cap_mb is 25):
  // small gradients are packed together, large ones are summed in place in slices, so no buffer
  // the size of the model is ever needed.
  int64_t bucket_bytes = 25 << 20;
};

// Sums the gradient of every parameter that requires one over the ranks (float32 or float64,
// contiguous). A parameter whose gradient is undefined on every rank stays undefined (unused, as
// the optimiser skips it); one defined on some ranks only takes zeros for the others. Returns the
// number of allreduce calls made (the buckets).
int64_t allreduce_gradients(const std::vector<Variable>& params, Communicator& comm, const GradientBuckets& buckets = {});

// Copies every parameter and buffer of `module` from rank `root` to the other ranks (the start of
// training, a resumed checkpoint, BN running statistics before evaluation).
void broadcast_module(Module& module, Communicator& comm, int root = 0);

// Only the buffers (batch norm's running statistics): rank 0's on every rank.
void broadcast_buffers(Module& module, Communicator& comm, int root = 0);

// Copies a tensor's contents (contiguous) from `root`; shapes must already agree.
void broadcast_tensor(Tensor& t, Communicator& comm, int root = 0);

// Copies a string from `root` to every rank (e.g. a checkpoint file's bytes).
void broadcast_string(std::string& s, Communicator& comm, int root = 0);

// Makes every BatchNorm in `module` normalise over the global batch of all ranks in training mode
// (PyTorch's convert_sync_batchnorm); returns how many layers it changed. With one rank it changes
// nothing and returns 0.
int64_t sync_batchnorm(Module& module, std::shared_ptr<Communicator> comm);

}  // namespace ag::nn
