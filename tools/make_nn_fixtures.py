#!/usr/bin/python3
"""Writes the PyTorch reference fixtures that tests/nn/ compares audiograd's layers with.

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/make_nn_fixtures.py

Each case is a folder tests/fixtures/nn/<case>/ of .npy files: the inputs and parameters, the
forward output, a random upstream gradient `gy` and the gradients PyTorch's backward gives for
sum(y * gy). Layers run in float64 (compared to 1e-10) unless the case says float32. The
optimiser case trains a small float32 model for 20 steps with SGD, Adam and AdamW and stores the
parameters after every optimiser. Settings are deliberately non-trivial (odd sizes, per-axis
strides, dilation, padding, label smoothing) so that a wrong index or a missing factor shows.
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "nn")
torch.manual_seed(0)


def save(case, **arrays):
    d = os.path.join(ROOT, case)
    os.makedirs(d, exist_ok=True)
    for name, a in arrays.items():
        if isinstance(a, torch.Tensor):
            a = a.detach().numpy()
        np.save(os.path.join(d, name + ".npy"), np.array(a, order="C"))  # keeps 0-d losses 0-d


def leaf(*shape, dtype=torch.float64, scale=1.0):
    return (torch.randn(*shape, dtype=dtype) * scale).requires_grad_(True)


def backward(y):
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    return gy


# --- convolutions -----------------------------------------------------------------------------------
def conv2d_case(name, x_shape, w_shape, bias, stride, padding, dilation):
    x = leaf(*x_shape)
    w = leaf(*w_shape)
    b = leaf(w_shape[0]) if bias else None
    y = F.conv2d(x, w, b, stride, padding, dilation)
    gy = backward(y)
    arrays = dict(x=x, w=w, y=y, gy=gy, gx=x.grad, gw=w.grad,
                  config=np.array(list(stride) + list(padding) + list(dilation), dtype=np.int64))
    if bias:
        arrays.update(b=b, gb=b.grad)
    save(name, **arrays)


conv2d_case("conv2d_strided_dilated", (2, 3, 9, 7), (4, 3, 3, 2), True, (2, 1), (1, 1), (1, 2))
conv2d_case("conv2d_erann_stride4", (2, 2, 16, 8), (3, 2, 6, 3), False, (4, 2), (1, 1), (1, 1))
conv2d_case("conv2d_shortcut_1x1", (2, 3, 8, 6), (5, 3, 1, 1), False, (4, 2), (0, 0), (1, 1))


def conv1d_case(name, x_shape, w_shape, stride, padding, dilation):
    x = leaf(*x_shape)
    w = leaf(*w_shape)
    b = leaf(w_shape[0])
    y = F.conv1d(x, w, b, stride, padding, dilation)
    gy = backward(y)
    save(name, x=x, w=w, b=b, y=y, gy=gy, gx=x.grad, gw=w.grad, gb=b.grad,
         config=np.array([stride, padding, dilation], dtype=np.int64))


conv1d_case("conv1d_dilated", (2, 3, 25), (4, 3, 3), 1, 2, 2)
conv1d_case("conv1d_wavegram_stem", (2, 1, 64), (3, 1, 11), 5, 5, 1)

# --- batch norm ---------------------------------------------------------------------------------------
for training in (True, False):
    x = leaf(4, 3, 5, 2, scale=2.0)
    x.data += 0.7
    g = leaf(3)
    b = leaf(3)
    rm = torch.randn(3, dtype=torch.float64) * 0.1
    rv = torch.rand(3, dtype=torch.float64) + 0.5
    rm0, rv0 = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm, rv, g, b, training=training, momentum=0.3, eps=1e-3)
    gy = backward(y)
    save("batch_norm_" + ("train" if training else "eval"), x=x, gamma=g, beta=b, running_mean=rm0,
         running_var=rv0, y=y, running_mean_after=rm, running_var_after=rv, gy=gy, gx=x.grad,
         ggamma=g.grad, gbeta=b.grad)

# --- pooling ------------------------------------------------------------------------------------------
x = leaf(2, 3, 7, 9)
y = F.max_pool2d(x, (3, 2), (2, 2), (1, 1))
gy = backward(y)
save("max_pool2d", x=x, y=y, gy=gy, gx=x.grad)
for count_pad in (True, False):
    x = leaf(2, 3, 7, 9)
    y = F.avg_pool2d(x, (3, 4), (2, 3), (1, 2), count_include_pad=count_pad)
    gy = backward(y)
    save("avg_pool2d_" + ("count_pad" if count_pad else "no_count_pad"), x=x, y=y, gy=gy, gx=x.grad)
x = leaf(2, 3, 17)
y = F.max_pool1d(x, 4)
gy = backward(y)
save("max_pool1d", x=x, y=y, gy=gy, gx=x.grad)

# --- activations --------------------------------------------------------------------------------------
acts = {
    "relu": F.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.2),
    "elu": lambda t: F.elu(t, 1.3),
    "gelu": F.gelu,
    "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
    "silu": F.silu,
    "swish": lambda t: t * torch.sigmoid(1.7 * t),
    "mish": F.mish,
    "smish": lambda t: t * torch.tanh(torch.log1p(torch.sigmoid(t))),
    "softplus": lambda t: F.softplus(t, beta=2.0, threshold=5.0),
    "hardswish": F.hardswish,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "swiglu": lambda t: t[:, :6] * F.silu(t[:, 6:]),
    "softmax": lambda t: F.softmax(t, dim=1),
    "log_softmax": lambda t: F.log_softmax(t, dim=0),
}
base = torch.linspace(-7, 7, 48, dtype=torch.float64)
base = base + 0.013  # avoid exact kinks at 0 and at +-3 (hardswish) where one-sided rules differ
for name, fn in acts.items():
    x = base.reshape(4, 12).clone().requires_grad_(True)
    y = fn(x)
    gy = backward(y)
    save("act_" + name, x=x, y=y, gy=gy, gx=x.grad)

# --- losses ---------------------------------------------------------------------------------------------
logits = leaf(5, 7, scale=3.0)
labels = torch.tensor([0, 6, 3, 3, 1])
soft = torch.softmax(torch.randn(5, 7, dtype=torch.float64), dim=1)
cases = {
    "ce_labels": lambda z: F.cross_entropy(z, labels),
    "ce_labels_smooth": lambda z: F.cross_entropy(z, labels, label_smoothing=0.1),
    "ce_soft": lambda z: F.cross_entropy(z, soft),
    "ce_soft_smooth_sum": lambda z: F.cross_entropy(z, soft, label_smoothing=0.2, reduction="sum"),
    "ce_none": lambda z: F.cross_entropy(z, labels, reduction="none"),
    "nll": lambda z: F.nll_loss(F.log_softmax(z, 1), labels),
}
for name, fn in cases.items():
    z = logits.detach().clone().requires_grad_(True)
    loss = fn(z)
    gy = backward(loss)
    save("loss_" + name, logits=z, labels=labels, soft=soft, loss=loss, gy=gy, glogits=z.grad)
z = leaf(4, 6, scale=8.0)  # large logits: the stable form matters
t = (torch.rand(4, 6, dtype=torch.float64) > 0.5).double()
loss = F.binary_cross_entropy_with_logits(z, t)
gy = backward(loss)
save("loss_bce", logits=z, target=t, loss=loss, gy=gy, glogits=z.grad)
a, b = leaf(3, 4), leaf(3, 4)
loss = F.mse_loss(a, b)
gy = backward(loss)
save("loss_mse", a=a, b=b, loss=loss, gy=gy, ga=a.grad, gb=b.grad)

# --- optimisers: 20 steps on a small float32 model ------------------------------------------------------
torch.manual_seed(1)
X = torch.randn(16, 6)
Y = torch.randint(0, 3, (16,))
init = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
init_state = {k: v.clone() for k, v in init.state_dict().items()}
save("optim", X=X, Y=Y, **{"init_" + k.replace(".", "_"): v for k, v in init_state.items()})
optimisers = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "sgd_plain": lambda p: torch.optim.SGD(p, lr=0.1),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=1e-3, amsgrad=True),
    "adamw": lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.1),
}
for name, make in optimisers.items():
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    model.load_state_dict(init_state)
    opt = make(model.parameters())
    for step in range(20):
        opt.zero_grad()
        loss = F.cross_entropy(model(X), Y)
        loss.backward()
        opt.step()
    save("optim", **{name + "_" + k.replace(".", "_"): v for k, v in model.state_dict().items()})

# --- schedules -----------------------------------------------------------------------------------------
p = [torch.zeros(1, requires_grad=True)]
opt = torch.optim.Adam(p, lr=1e-3)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=30)
lrs, moms = [], []
for _ in range(30):
    lrs.append(opt.param_groups[0]["lr"])
    moms.append(opt.param_groups[0]["betas"][0])
    opt.step()
    sched.step()
opt2 = torch.optim.SGD(p, lr=0.5)
step_sched = torch.optim.lr_scheduler.StepLR(opt2, step_size=4, gamma=0.3)
step_lrs = []
for _ in range(12):
    step_lrs.append(opt2.param_groups[0]["lr"])
    opt2.step()
    step_sched.step()
save("schedules", onecycle_lr=np.array(lrs), onecycle_beta1=np.array(moms), step_lr=np.array(step_lrs))

# --- a safetensors file written independently of audiograd (the format by hand, as the spec says) ----
def write_safetensors(path, tensors, metadata):
    codes = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for k, v in tensors.items():
        raw = np.ascontiguousarray(v).astype(v.dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": codes[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


write_safetensors(os.path.join(ROOT, "safetensors", "python_written.safetensors"),
                  {"conv.weight": np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2) / 7,
                   "bn.num_batches_tracked": np.array(5, dtype=np.int64),
                   "fc.bias": np.array([0.25, -1.5], dtype=np.float64)},
                  {"epoch": "3", "note": "made by make_nn_fixtures.py"})


# --- a miniature CNN14 with PANNs' module names: the state dict loads 1:1, train and eval agree ------
class ConvBlock(torch.nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.bn2 = torch.nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.avg_pool2d(x, 2)


class MiniCnn14(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bn0 = torch.nn.BatchNorm2d(16)
        self.conv_block1 = ConvBlock(1, 8)
        self.conv_block2 = ConvBlock(8, 16)
        self.fc1 = torch.nn.Linear(16, 16)
        self.fc_audioset = torch.nn.Linear(16, 5)

    def forward(self, x):  # x (B, 1, T, F): bn0 normalises each mel bin, as in PANNs
        x = self.bn0(x.transpose(1, 3)).transpose(1, 3)
        x = self.conv_block2(self.conv_block1(x))
        x = torch.mean(x, dim=3)
        x = torch.max(x, dim=2)[0] + torch.mean(x, dim=2)
        return self.fc_audioset(F.relu(self.fc1(x)))


torch.manual_seed(3)
mini = MiniCnn14()
for m in mini.modules():  # non-trivial statistics and affine parameters
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-0.5, 0.5)
        m.running_var.uniform_(0.5, 1.5)
        m.weight.data.uniform_(0.5, 1.5)
        m.bias.data.uniform_(-0.2, 0.2)
write_safetensors(os.path.join(ROOT, "mini_cnn14", "init.safetensors"),
                  {k: v.numpy() for k, v in mini.state_dict().items()}, {"made_by": "make_nn_fixtures.py"})
x = torch.randn(2, 1, 32, 16) * 3 + 1
mini.train()
logits = mini(x)
gy = torch.randn_like(logits)
(logits * gy).sum().backward()
mini.eval()
with torch.no_grad():
    logits_eval = mini(x)
save("mini_cnn14", x=x, logits_train=logits, gy=gy, logits_eval=logits_eval,
     g_conv1=mini.conv_block1.conv1.weight.grad, g_bn0_weight=mini.bn0.weight.grad,
     g_fc1=mini.fc1.weight.grad, running_mean_after=mini.conv_block2.bn2.running_mean,
     running_var_after=mini.conv_block2.bn2.running_var)
print("wrote fixtures to", os.path.normpath(ROOT))
