// docs/examples/ch15_data_parallel.cpp
// The data-parallel step of chapter 15, written against the library: each rank takes its slice of
// the global batch, scales its loss by its share, and the gradients are summed over the ranks
// before the optimiser step. Run here with the one-process communicator (under mpirun, the app
// passes nn::mpi_communicator(&argc, &argv) instead), and checked against the plain step.
#include "docs/examples/check.hpp"
#include "nn/nn.hpp"

using namespace ag;

std::shared_ptr<nn::Sequential> make_net() {
  Generator gen(1);
  auto net = std::make_shared<nn::Sequential>();
  nn::Conv2dOptions same;
  same.padding = 1;
  same.bias = false;  // batch norm follows
  net->push_back(std::make_shared<nn::Conv2d>(1, 4, 3, same, &gen));
  net->push_back(std::make_shared<nn::BatchNorm2d>(4));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::GlobalAvgPool>());
  net->push_back(std::make_shared<nn::Linear>(4, 3, true, &gen));
  return net;
}

// One step on the rows [begin, end) of a global batch of B clips.
void data_parallel_step(nn::Module& net, nn::Optimizer& opt, nn::Communicator& comm, const Tensor& x, const Tensor& y) {
  const int64_t B = x.size(0), R = comm.size(), r = comm.rank();
  const int64_t begin = r * B / R, end = (r + 1) * B / R;  // this rank's slice
  opt.zero_grad();
  Variable loss = cross_entropy(net.forward(Variable(x.slice(0, begin, end).contiguous())), y.slice(0, begin, end).contiguous());
  mul(loss, static_cast<double>(end - begin) / static_cast<double>(B)).backward();  // this rank's share
  nn::allreduce_gradients(net.parameters(), comm);  // now d(global mean loss)/dθ on every rank
  opt.step();                                       // the same step everywhere
}

int main() {
  auto comm = nn::local_communicator();  // one rank; under mpirun: nn::mpi_communicator(&argc, &argv)
  auto net = make_net(), plain = make_net();
  nn::broadcast_module(*net, *comm);  // every rank starts from rank 0's weights
  nn::sync_batchnorm(*net, comm);     // --sync-bn: batch norm over the global batch (nothing with one rank)

  Generator gen(2);
  Tensor x = randn({8, 1, 6, 5}, DType::Float32, &gen);
  Tensor y = from_vector(std::vector<int64_t>{0, 1, 2, 0, 2, 1, 1, 0}, {8});
  nn::SGD opt(net->parameters(), nn::SGDOptions{0.1}), opt_plain(plain->parameters(), nn::SGDOptions{0.1});
  for (int step = 0; step < 3; ++step) {
    data_parallel_step(*net, opt, *comm, x, y);
    opt_plain.zero_grad();
    cross_entropy(plain->forward(Variable(x)), y).backward();
    opt_plain.step();
  }
  // With one rank the data-parallel step is the plain step, exactly.
  auto a = net->named_parameters(), b = plain->named_parameters();
  for (size_t i = 0; i < a.size(); ++i) CHECK(allclose(a[i].second.data(), b[i].second.data(), 0, 0));
  std::printf("3 data-parallel steps on %s: the same weights as 3 plain steps\n", comm->name().c_str());
  return 0;
}
