// engine.cpp: Variable::backward, the reverse-mode graph walk.
//
//   1. Collect every Node reachable from the root's grad_fn with an explicit stack (no recursion,
//      so a chain of 100 000 ops is fine) and count, for each Node, how many edges point to it.
//   2. Process Nodes in topological order (Kahn's algorithm): a Node runs once all Nodes that feed
//      it a gradient have run, so its incoming gradients are complete sums. The root starts with
//      the seed gradient (1 for a scalar loss).
//   3. For each Node, call its backward with the summed output gradient, check every returned
//      gradient's shape against the input it belongs to, and add it into the buffer of the edge's
//      Node. AccumulateGrad Nodes add into the leaves' .grad.
//   4. Unless retain_graph, release each Node after it ran (frees saved activations).
#include <unordered_map>

#include "autograd/node.hpp"
#include "autograd/variable.hpp"
#include "tensor/elementwise.hpp"

namespace ag {

void Variable::backward(const Tensor& grad, bool retain_graph) const {
  if (!defined()) fail<ValueError>("backward: Variable is undefined");
  if (!requires_grad())
    fail<ValueError>("backward: this Variable does not require grad and has no grad_fn (was it computed under NoGradGuard, ",
                     "or from inputs that all have requires_grad = false?)");
  Tensor seed;
  if (grad.defined()) {
    if (grad.shape() != shape())
      fail<ShapeError>("backward: gradient ", shape_str(grad.shape()), " does not match the output's shape ", shape_str(shape()));
    seed = grad.to(dtype());
  } else {
    if (numel() != 1)
      fail<ValueError>("backward: output has shape ", shape_str(shape()),
                       "; backward() without a gradient is only defined for a one-element output (a loss). "
                       "Reduce it first (e.g. sum() or mean()), or pass a gradient of the same shape.");
    seed = ones(shape(), dtype());
  }

  std::shared_ptr<Node> root = gradient_edge(*this);
  // 1. Reachable nodes and their in-degrees.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack{root.get()};
  deps[root.get()] = 0;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next()) {
      if (!e) continue;
      auto it = deps.find(e.get());
      if (it == deps.end()) {
        deps[e.get()] = 1;
        stack.push_back(e.get());
      } else {
        ++it->second;
      }
    }
  }
  // 2-4. Kahn's order.
  std::unordered_map<Node*, Tensor> buffer;
  buffer[root.get()] = seed;
  std::vector<Node*> ready{root.get()};
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    Tensor g = std::move(buffer[n]);
    buffer.erase(n);
    TensorList grads = n->apply(g);
    const auto& next = n->next();
    if (!grads.empty() && grads.size() != next.size())
      fail<Error>("backward: ", n->name(), " returned ", grads.size(), " gradients for ", next.size(), " inputs");
    for (size_t i = 0; i < next.size(); ++i) {
      Node* target = next[i].get();
      if (!target) continue;
      if (i < grads.size() && grads[i].defined()) {
        if (grads[i].shape() != n->input_shapes()[i])
          fail<ShapeError>("backward: ", n->name(), " returned a gradient of shape ", shape_str(grads[i].shape()), " for input ", i,
                           " of shape ", shape_str(n->input_shapes()[i]));
        auto it = buffer.find(target);
        if (it == buffer.end() || !it->second.defined()) {
          buffer[target] = grads[i];
        } else {
          // Accumulate into a fresh tensor: the buffered gradient may alias a tensor another
          // node still holds (gradients are passed by handle).
          it->second = add(it->second, grads[i]);
        }
      }
      if (--deps[target] == 0) {
        if (buffer.count(target) && buffer[target].defined()) ready.push_back(target);
        else buffer.erase(target);  // no gradient reached it (all inputs gave none)
        // A node with no gradient still must release its dependants' counts: walk on.
        if (!buffer.count(target)) {
          std::vector<Node*> skip{target};
          while (!skip.empty()) {
            Node* s = skip.back();
            skip.pop_back();
            for (const auto& e : s->next())
              if (e && --deps[e.get()] == 0) {
                if (buffer.count(e.get()) && buffer[e.get()].defined()) ready.push_back(e.get());
                else skip.push_back(e.get());
              }
          }
        }
      }
    }
    if (!retain_graph) n->release();
  }
}

}  // namespace ag
