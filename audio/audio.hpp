// audio.hpp: everything in audiograd_audio, for apps that want one include.
//
//   decode.hpp         read_audio / write_wav: libsndfile, errors naming the file
//   resample.hpp       resample: libsoxr
//   waveform.hpp       mixdown, fit_length
//   load.hpp           load_audio: decode -> mixdown -> resample -> fit
//   stream.hpp         MonoStream: files or raw PCM of any length, block by block (streaming resample)
//   window.hpp         Hann / Hamming, periodic / symmetric
//   fft.hpp            RealFft: FFTW plans shared across threads (+ the 1380 split)
//   stft.hpp           framing, padding, power / magnitude spectrograms
//   mel.hpp            mel scales, melscale_fbanks, the sparse filterbank
//   db.hpp             power_to_db, amplitude_to_db, log_eps, fast_log
//   mfcc.hpp           DCT-II, MFCC
//   frontend.hpp       FrontendConfig (erann, panns), LogMel: waveform -> (T, F) log-mel
//   augment.hpp        waveform and spectrogram augmentations, mixup, chains by name
//   dataset.hpp        ESC-50 / ESC-10, UrbanSound8K, RAVDESS, folder datasets
//   feature_cache.hpp  log-mels on disk, keyed by file and configuration
//   loader.hpp         ClipPipeline, BatchLoader: seeded, balanced, threaded batches
//   events.hpp         EventDetector: scores over time -> events (median filter, hysteresis)
#pragma once

#include "audio/augment.hpp"
#include "audio/dataset.hpp"
#include "audio/db.hpp"
#include "audio/decode.hpp"
#include "audio/events.hpp"
#include "audio/feature_cache.hpp"
#include "audio/fft.hpp"
#include "audio/frontend.hpp"
#include "audio/load.hpp"
#include "audio/loader.hpp"
#include "audio/mel.hpp"
#include "audio/mfcc.hpp"
#include "audio/resample.hpp"
#include "audio/stft.hpp"
#include "audio/stream.hpp"
#include "audio/waveform.hpp"
#include "audio/window.hpp"
#include "tensor/all.hpp"
