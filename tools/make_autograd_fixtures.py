#!/usr/bin/python3
"""Writes tests/fixtures/autograd/: PyTorch's forward and backward for every case of the op table
in tests/autograd/op_cases.hpp (same names, same definitions), in float64.

For case NAME it writes NAME.in<i>.npy (inputs), NAME.out.npy (forward), NAME.w.npy (a random
upstream gradient) and NAME.grad<i>.npy (d sum(out * w) / d in_i) for inputs that take a gradient.
Run from the repository root with Debian's python3 (python3-torch):  /usr/bin/python3 tools/make_autograd_fixtures.py
"""
import os
import numpy as np
import torch

torch.manual_seed(0)
OUT = "tests/fixtures/autograd"
D = torch.float64


def r(*s):
    return torch.randn(*s, dtype=D)


def pos(*s):  # positive inputs for log, sqrt, pow
    return torch.rand(*s, dtype=D) + 0.5


def away(*s):  # values at least 0.1 from 0 (abs, sign kinks)
    x = torch.rand(*s, dtype=D) * 1.8 + 0.2
    return x * torch.where(torch.rand(*s) < 0.5, -1.0, 1.0).to(D)


def distinct(*s):  # a permutation of spread-out values: no ties for max/min
    n = int(np.prod(s))
    return (torch.randperm(n).to(D) * 0.37 - n * 0.15).reshape(*s)


def idx(hi, *s):
    return torch.randint(0, hi, s, dtype=torch.int64)


# name: (inputs, function, indices of inputs that take no gradient)
CASES = {
    "add_broadcast": ([r(3, 4), r(4)], lambda a, b: a + b, []),
    "add_scalar": ([r(2, 3)], lambda a: a + 2.5, []),
    "sub_broadcast": ([r(2, 3, 4), r(3, 1)], lambda a, b: a - b, []),
    "mul_outer": ([r(3, 1), r(1, 4)], lambda a, b: a * b, []),
    "mul_reused": ([r(3, 4)], lambda a: a * a + a, []),
    "mul_scalar": ([r(5)], lambda a: a * -1.5, []),
    "div_broadcast": ([r(3, 4), pos(4)], lambda a, b: a / b, []),
    "div_scalar": ([r(3, 4)], lambda a: a / 4.0, []),
    "pow_tensor": ([pos(3, 4), r(3, 4)], lambda a, b: torch.pow(a, b), []),
    "pow_cube": ([r(2, 5)], lambda a: torch.pow(a, 3.0), []),
    "pow_half": ([pos(2, 5)], lambda a: torch.pow(a, 0.5), []),
    "neg": ([r(4)], lambda a: -a, []),
    "exp": ([r(3, 4)], torch.exp, []),
    "log": ([pos(3, 4)], torch.log, []),
    "sqrt": ([pos(3, 4)], torch.sqrt, []),
    "rsqrt": ([pos(3, 4)], torch.rsqrt, []),
    "abs": ([away(3, 4)], torch.abs, []),
    "sign": ([away(3, 4)], torch.sign, []),
    "sin": ([r(3, 4)], torch.sin, []),
    "cos": ([r(3, 4)], torch.cos, []),
    "tanh": ([r(3, 4)], torch.tanh, []),
    "sigmoid": ([r(3, 4) * 3], torch.sigmoid, []),
    "clamp": ([distinct(3, 4) / 2], lambda a: torch.clamp(a, -0.93, 0.81), []),
    "maximum": ([distinct(3, 4), distinct(4) + 0.11], torch.maximum, []),
    "minimum": ([distinct(3, 4), distinct(4) + 0.11], torch.minimum, []),
    "where": ([(r(3, 4) > 0).to(D), r(3, 4), r(4)], lambda c, a, b: torch.where(c != 0, a, b), [0]),
    "sum_all": ([r(3, 4)], lambda a: a.sum(), []),
    "sum_dims_keepdim": ([r(2, 3, 4)], lambda a: a.sum(dim=(0, 2), keepdim=True), []),
    "mean_dim": ([r(2, 3, 4)], lambda a: a.mean(dim=1), []),
    "var_unbiased": ([r(3, 5)], lambda a: a.var(dim=1, unbiased=True), []),
    "var_biased_all": ([r(3, 5)], lambda a: a.var(unbiased=False), []),
    "logsumexp": ([r(3, 4) * 5], lambda a: torch.logsumexp(a, dim=1), []),
    "max_dim": ([distinct(3, 4)], lambda a: a.max(dim=1).values, []),
    "min_dim_keepdim": ([distinct(3, 4)], lambda a: a.min(dim=0, keepdim=True).values, []),
    "amax": ([distinct(2, 3, 4)], lambda a: torch.amax(a, dim=(0, 2)), []),
    "amin_all": ([distinct(3, 4)], lambda a: torch.amin(a), []),
    "matmul_2d": ([r(3, 4), r(4, 5)], torch.matmul, []),
    "matmul_batched": ([r(2, 3, 4), r(4, 5)], torch.matmul, []),
    "matmul_broadcast": ([r(2, 1, 3, 4), r(5, 4, 2)], torch.matmul, []),
    "matmul_vec_mat": ([r(4), r(4, 3)], torch.matmul, []),
    "matmul_mat_vec": ([r(3, 4), r(4)], torch.matmul, []),
    "matmul_dot": ([r(6), r(6)], torch.matmul, []),
    "matmul_transposed": ([r(4, 3), r(5, 4)], lambda a, b: a.t() @ b.t(), []),
    "reshape": ([r(2, 6)], lambda a: a.reshape(3, 4) * torch.arange(12, dtype=D).reshape(3, 4), []),
    "transpose": ([r(2, 3, 4)], lambda a: a.transpose(0, 2) * torch.arange(24, dtype=D).reshape(4, 3, 2), []),
    "permute": ([r(2, 3, 4)], lambda a: a.permute(2, 0, 1) * torch.arange(24, dtype=D).reshape(4, 2, 3), []),
    "narrow": ([r(4, 5)], lambda a: a.narrow(1, 1, 3), []),
    "slice_step": ([r(7, 3)], lambda a: a[1:7:2], []),
    "select": ([r(3, 4)], lambda a: a.select(0, 2), []),
    "expand": ([r(3, 1)], lambda a: a.expand(2, 3, 4) * torch.arange(24, dtype=D).reshape(2, 3, 4), []),
    "squeeze_unsqueeze": ([r(3, 1, 4)], lambda a: a.squeeze(1).unsqueeze(0), []),
    "flatten": ([r(2, 3, 4)], lambda a: a.flatten(1), []),
    "noncontiguous_mul": ([r(4, 3), r(3, 4)], lambda a, b: a.t() * b, []),
    "concat": ([r(2, 3), r(4, 3)], lambda a, b: torch.cat([a, b], dim=0), []),
    "stack": ([r(2, 3), r(2, 3)], lambda a, b: torch.stack([a, b], dim=1), []),
    "gather": ([r(3, 5), idx(5, 3, 2)], lambda a, i: torch.gather(a, 1, i), [1]),
    "index_select_repeat": ([r(4, 3), torch.tensor([2, 0, 2], dtype=torch.int64)], lambda a, i: torch.index_select(a, 0, i), [1]),
    "softmax_composite": ([r(3, 4)], lambda a: torch.exp(a - torch.logsumexp(a, dim=1, keepdim=True)), []),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (inputs, fn, no_grad) in CASES.items():
        xs = []
        for i, x in enumerate(inputs):
            x = x.clone()
            if i not in no_grad:
                x.requires_grad_(True)
            xs.append(x)
            np.save(f"{OUT}/{name}.in{i}.npy", x.detach().numpy())
        out = fn(*xs)
        w = torch.randn(out.shape, dtype=D)
        (out * w).sum().backward()
        np.save(f"{OUT}/{name}.out.npy", out.detach().numpy())
        np.save(f"{OUT}/{name}.w.npy", w.numpy())
        for i, x in enumerate(xs):
            if i not in no_grad:
                np.save(f"{OUT}/{name}.grad{i}.npy", x.grad.numpy())
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
