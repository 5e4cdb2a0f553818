"""Writes the .npy files NpyTest reads, with numpy itself (run: python3 make_reference.py).

The values are i + j/10 at row i, column j, so the test knows them without numpy.
"""
import numpy as np

a = np.fromfunction(lambda i, j: i + j / 10.0, (4, 3))
np.save("c_f8.npy", a.astype("<f8"))
np.save("fortran_f8.npy", np.asfortranarray(a.astype("<f8")))
np.save("c_f4.npy", a.astype("<f4"))
np.save("vector_f8.npy", a[:, 0].astype("<f8"))
