"""The cells of the course's notebook, both editions, in Keras 3 spelling, as scripts.

The 2018 edition is the text at ../shared/seed/improvise_jazz_solo_lstm.txt (In [15]–[30]),
with the students' solutions as printed there; the later edition differs where the issue
says: ``load_music_utils('data/original_metheny.mid')`` unpacks five values (``chords``
too), the layers are passed to ``djmodel``, the state is carried (``initial_state=[a, c]``),
``fit`` is silent and its first and last losses printed, and
``generate_music(inference_model, indices_values, chords)``.

Keras 3 spelling, and nothing else, changes the cells:

* imports from ``keras`` (no ``keras.backend`` functions), and ``from jazzcore.course import
  *`` for the course's helper modules (``grammar``, ``qa``, ``preprocess``, ``music_utils``,
  ``data_utils``);
* ``Adam(lr=0.01, …, decay=0.01)`` → ``Adam(learning_rate=InverseTimeDecay(0.01, 1, 0.01),
  …)``: Keras 3 has no ``lr`` or ``decay`` arguments; the schedule is what ``decay`` did;
* ``metrics=['accuracy']`` → one per output (Keras 3 asks for a list matching the outputs);
* the 2018 ``Lambda(lambda x: X[:,t,:])(X)`` → ``Lambda(lambda x, t=t: x[:, t, :])(X)``: Keras
  3 calls a Lambda's function again when the model runs, when the closure's ``t`` is Tx − 1
  and ``X`` a symbolic tensor (Keras 2 called it once, while the graph was built);
* the later edition's ``LSTM_cell(inputs=x, …)`` → ``LSTM_cell(x, …)`` (Keras 3 names the
  argument ``sequences``), its ``tf.math.argmax`` / ``tf.one_hot`` on Keras tensors →
  ``ops.argmax`` / ``ops.one_hot``, and its ``n_values = 90`` (music21 ≥ 6.5's reading) is
  the loaded 78.

IPython's audio cells (In [16], [31]) play files the course shipped and are left out.
"""

from __future__ import annotations

EDITION_2018 = """\
# In [15]
from __future__ import print_function
import IPython
import sys
from music21 import *
import numpy as np
from jazzcore.course import *
from keras.models import load_model, Model
from keras.layers import Dense, Activation, Dropout, Input, LSTM, Reshape, Lambda
from keras.initializers import glorot_uniform
from keras.utils import to_categorical
from keras.optimizers import Adam
from keras.optimizers.schedules import InverseTimeDecay
from keras import backend as K

# In [17]
X, Y, n_values, indices_values = load_music_utils()
print('shape of X:', X.shape)
print('number of training examples:', X.shape[0])
print('Tx (length of sequence):', X.shape[1])
print('total # of unique values:', n_values)
print('Shape of Y:', Y.shape)

# In [18]
n_a = 64

# In [19]
reshapor = Reshape((1, 78))           # Used in Step 2.B of djmodel()
LSTM_cell = LSTM(n_a, return_state = True) # Used in Step 2.C
densor = Dense(n_values, activation='softmax') # Used in Step 2.D

# In [20]
def djmodel(Tx, n_a, n_values):
    X = Input(shape=(Tx, n_values))
    a0 = Input(shape=(n_a,), name='a0')
    c0 = Input(shape=(n_a,), name='c0')
    a = a0
    c = c0
    outputs = []
    for t in range(Tx):
        x = Lambda(lambda x, t=t: x[:, t, :])(X)
        x = reshapor(x)
        a, _, c = LSTM_cell(x, initial_state=[a0, c0])
        out = densor(a)
        outputs.append(out)
    model = Model(inputs=[X, a0, c0], outputs=outputs)
    return model

# In [21]
model = djmodel(Tx = 30 , n_a = 64, n_values = 78)

# In [22]
opt = Adam(learning_rate=InverseTimeDecay(0.01, 1, 0.01), beta_1=0.9, beta_2=0.999)
model.compile(optimizer=opt, loss='categorical_crossentropy', metrics=['accuracy'] * 30)

# In [23]
m = 60
a0 = np.zeros((m, n_a))
c0 = np.zeros((m, n_a))

# In [24]
model.fit([X, a0, c0], list(Y), epochs=100)

# In [25]
def music_inference_model(LSTM_cell, densor, n_values = 78, n_a = 64, Ty = 100):
    x0 = Input(shape=(1, n_values))
    a0 = Input(shape=(n_a,), name='a0')
    c0 = Input(shape=(n_a,), name='c0')
    a = a0
    c = c0
    x = x0
    outputs = []
    for t in range(Ty):
        a, _, c = LSTM_cell(x, initial_state=[a, c])
        out = densor(a)
        outputs.append(out)
        x = Lambda(one_hot)(out)
    inference_model = Model(inputs=[x0, a0, c0], outputs=outputs)
    return inference_model

# In [26]
inference_model = music_inference_model(LSTM_cell, densor, n_values = 78, n_a = 64, Ty = 50)

# In [27]
x_initializer = np.zeros((1, 1, 78))
a_initializer = np.zeros((1, n_a))
c_initializer = np.zeros((1, n_a))

# In [28]
def predict_and_sample(inference_model, x_initializer = x_initializer, a_initializer = a_initializer, c_initializer = c_initializer):
    pred = inference_model.predict([x_initializer, a_initializer, c_initializer])
    indices = np.argmax(pred, axis=-1)
    results = to_categorical(indices, num_classes=78)
    return results, indices

# In [29]
results, indices = predict_and_sample(inference_model, x_initializer, a_initializer, c_initializer)
print("np.argmax(results[12]) =", np.argmax(results[12]))
print("np.argmax(results[17]) =", np.argmax(results[17]))
print("list(indices[12:18]) =", list(indices[12:18]))

# In [30]
out_stream = generate_music(inference_model)
"""

KERAS3_LINES_2018 = (
    "from jazzcore.course import *",
    "from keras.optimizers.schedules import InverseTimeDecay",
    "x = Lambda(lambda x, t=t: x[:, t, :])(X)",
    "opt = Adam(learning_rate=InverseTimeDecay(0.01, 1, 0.01), beta_1=0.9, beta_2=0.999)",
    "model.compile(optimizer=opt, loss='categorical_crossentropy', metrics=['accuracy'] * 30)",
    "inference_model = music_inference_model(LSTM_cell, densor, n_values = 78, n_a = 64, Ty = 50)",
)
"""The 2018 script's lines that are not the seed's text: Keras 3 spelling, the helper
import, and In [26], which the seed's text cuts off after ``n_a = 6``."""

EDITION_LATER = """\
import sys
import numpy as np
from jazzcore.course import *
from keras.layers import Dense, Activation, Dropout, Input, LSTM, Reshape, Lambda, RepeatVector
from keras.models import Model
from keras.optimizers import Adam
from keras.optimizers.schedules import InverseTimeDecay
from keras.utils import to_categorical
from keras import ops

X, Y, n_values, indices_values, chords = load_music_utils('data/original_metheny.mid')
print('number of training examples:', X.shape[0])
print('Tx (length of sequence):', X.shape[1])
print('total # of unique values:', n_values)
print('shape of X:', X.shape)
print('Shape of Y:', Y.shape)
print('Number of chords', len(chords))

n_a = 64
reshaper = Reshape((1, n_values))
LSTM_cell = LSTM(n_a, return_state = True)
densor = Dense(n_values, activation='softmax')

def djmodel(Tx, LSTM_cell, densor, reshaper):
    n_values = densor.units
    n_a = LSTM_cell.units
    X = Input(shape=(Tx, n_values))
    a0 = Input(shape=(n_a,), name='a0')
    c0 = Input(shape=(n_a,), name='c0')
    a = a0
    c = c0
    outputs = []
    for t in range(Tx):
        x = X[:, t, :]
        x = reshaper(x)
        _, a, c = LSTM_cell(x, initial_state=[a, c])
        out = densor(a)
        outputs.append(out)
    model = Model(inputs=[X, a0, c0], outputs=outputs)
    return model

model = djmodel(Tx=30, LSTM_cell=LSTM_cell, densor=densor, reshaper=reshaper)
opt = Adam(learning_rate=InverseTimeDecay(0.01, 1, 0.01), beta_1=0.9, beta_2=0.999)
model.compile(optimizer=opt, loss='categorical_crossentropy', metrics=['accuracy'] * 30)
m = 60
a0 = np.zeros((m, n_a))
c0 = np.zeros((m, n_a))
history = model.fit([X, a0, c0], list(Y), epochs=100, verbose = 0)
print(f"loss at epoch 1: {history.history['loss'][0]}")
print(f"loss at epoch 100: {history.history['loss'][99]}")

def music_inference_model(LSTM_cell, densor, Ty=100):
    n_values = densor.units
    n_a = LSTM_cell.units
    x0 = Input(shape=(1, n_values))
    a0 = Input(shape=(n_a,), name='a0')
    c0 = Input(shape=(n_a,), name='c0')
    a = a0
    c = c0
    x = x0
    outputs = []
    for t in range(Ty):
        _, a, c = LSTM_cell(x, initial_state=[a, c])
        out = densor(a)
        outputs.append(out)
        x = ops.argmax(out, axis=-1)
        x = ops.one_hot(x, n_values)
        x = RepeatVector(1)(x)
    inference_model = Model(inputs=[x0, a0, c0], outputs=outputs)
    return inference_model

inference_model = music_inference_model(LSTM_cell, densor, Ty = 50)
x_initializer = np.zeros((1, 1, n_values))
a_initializer = np.zeros((1, n_a))
c_initializer = np.zeros((1, n_a))

def predict_and_sample(inference_model, x_initializer = x_initializer, a_initializer = a_initializer,
                       c_initializer = c_initializer):
    n_values = x_initializer.shape[2]
    pred = inference_model.predict([x_initializer, a_initializer, c_initializer])
    indices = np.argmax(pred, axis=-1)
    results = to_categorical(indices, num_classes=n_values)
    return results, indices

results, indices = predict_and_sample(inference_model, x_initializer, a_initializer, c_initializer)
print("np.argmax(results[12]) =", np.argmax(results[12]))
print("np.argmax(results[17]) =", np.argmax(results[17]))
print("list(indices[12:18]) =", list(indices[12:18]))

out_stream = generate_music(inference_model, indices_values, chords)
"""

EPILOGUE = """\
print("OUT_STREAM", type(out_stream).__module__.split(".")[0], len(out_stream.flatten().notes))
print("FIRST_EPOCH_LOSS", model.history.history["loss"][0])
"""
"""Not the course's: what the tests read after the cells (the stream, the fit's first loss)."""
