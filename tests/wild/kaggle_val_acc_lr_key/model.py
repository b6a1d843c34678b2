"""Step 2: Conv/BatchNorm/Pool/Dropout blocks, one sigmoid output as the TODO asks."""
from keras.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D
from keras.models import Sequential


def build_model(input_shape=(150, 150, 3)):
    """Return a compiled keras.Model."""
    model = Sequential()
    model.add(Input(shape=input_shape))
    for filters in (32, 64, 128):
        model.add(Conv2D(filters, (3, 3), activation="relu"))
        model.add(BatchNormalization())
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(512, activation="relu"))
    model.add(BatchNormalization())
    model.add(Dropout(0.5))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model
