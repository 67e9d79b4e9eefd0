"""Independent reference for Mfcc.java, written with numpy only (np.fft.rfft, np.hamming).

Run from this directory: python3 mfcc_reference.py
Writes signal.npy (16,000 float32 samples at 16 kHz: tones, a chirp, noise, a silent stretch) and
mfcc_expected.npy (39 x 13 float64), which MfccTest compares with the Java front end.
"""
import numpy as np

SR, NFFT, FRAME, HOP, NFILT, NCEP = 16000, 1024, 800, 400, 26, 13

rng = np.random.RandomState(0)
t = np.arange(SR) / SR
x = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1250 * t + 0.5)
x += 0.25 * np.sin(2 * np.pi * (200 + 3000 * t) * t)  # chirp
x += 0.05 * rng.randn(SR)
x *= np.minimum(1.0, t * 4)  # fade in
x[12000:13600] = 0.0  # silence: exercises the log floor
x = x.astype(np.float32)
np.save("signal.npy", x)

sig = x.astype(np.float64)
emph = np.append(sig[0], sig[1:] - 0.97 * sig[:-1])
frames = np.stack([emph[i * HOP:i * HOP + FRAME] for i in range(39)]) * np.hamming(FRAME)
power = np.abs(np.fft.rfft(frames, NFFT)) ** 2 / NFFT

mel_max = 2595 * np.log10(1 + (SR / 2) / 700)
hz = 700 * (10 ** (np.linspace(0, mel_max, NFILT + 2) / 2595) - 1)
bins = np.floor((NFFT + 1) * hz / SR).astype(int)
fbank = np.zeros((NFILT, NFFT // 2 + 1))
for m in range(1, NFILT + 1):
    for k in range(bins[m - 1], bins[m]):
        fbank[m - 1, k] = (k - bins[m - 1]) / (bins[m] - bins[m - 1])
    for k in range(bins[m], bins[m + 1]):
        fbank[m - 1, k] = (bins[m + 1] - k) / (bins[m + 1] - bins[m])
logmel = np.log(np.maximum(power @ fbank.T, 1e-10))

n = np.arange(NFILT)
dct = np.array([np.cos(np.pi * k * (2 * n + 1) / (2 * NFILT)) for k in range(NCEP)])
dct[0] *= np.sqrt(1 / NFILT)
dct[1:] *= np.sqrt(2 / NFILT)
mfcc = logmel @ dct.T
np.save("mfcc_expected.npy", mfcc)
print("mfcc range", mfcc.min(), mfcc.max())
