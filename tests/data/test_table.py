"""read_csv and TableTransformer: standardising on the training split, one-hot, missing values,
unknown categories, text where a number is expected."""

import io

import numpy as np
import pytest

from ember.data import TableTransformer, load_csv, read_csv

CSV = """age,city,income,label
30,paris,100,yes
40,lyon,200,no
50,paris,300,yes
20,nice,400,no
"""


def table(text=CSV):
    return read_csv(io.StringIO(text))


def test_standardise_and_one_hot():
    t = TableTransformer(target="label").fit(table())
    x, y = t.transform(table())
    assert t.feature_names == ["age", "city=lyon", "city=nice", "city=paris", "income"]
    age = np.array([30, 40, 50, 20.0])
    np.testing.assert_allclose(x[:, 0], (age - age.mean()) / age.std(), rtol=1e-6)
    np.testing.assert_array_equal(x[:, 1:4], [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert t.classes == ["no", "yes"] and y.tolist() == [1, 0, 1, 0]


def test_statistics_come_from_the_training_split_only(tmp_path):
    rows = "\n".join(f"{i},{'ab'[i % 2]},{i * i}" for i in range(50))
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n" + rows + "\n")
    full = read_csv(path)
    train, test = full.split(0.2, seed=3)
    assert train.num_rows == 40 and test.num_rows == 10
    assert sorted(train.lines + test.lines) == list(range(2, 52))
    t = TableTransformer(target="c").fit(train)
    a_train = np.array([float(v) for v in train.columns["a"]])
    assert t.encoders["a"]["mean"] == pytest.approx(a_train.mean())
    x_test, y_test = t.transform(test)
    a_test = np.array([float(v) for v in test.columns["a"]])
    np.testing.assert_allclose(x_test[:, 0], (a_test - a_train.mean()) / a_train.std(),
                               rtol=1e-5)
    assert y_test.dtype == np.float32


def test_missing_values_reported_with_lines():
    text = "age,city,label\n30,paris,yes\n,lyon,no\n50,,yes\n?,nice,no\n"
    with pytest.raises(ValueError, match=r"'age' on line\(s\) 3, 5 \(2 missing\); 'city' on "
                                         r"line\(s\) 4"):
        TableTransformer(target="label").fit(table(text))


def test_missing_values_filled_when_asked():
    text = "age,city,label\n30,paris,yes\n,lyon,no\n50,paris,yes\n"
    t = TableTransformer(target="label", missing="fill").fit(table(text))
    x, _ = t.transform(table(text))
    assert x[1, 0] == 0.0  # the training mean, standardised
    assert t.encoders["age"]["mean"] == 40.0
    x2 = t.transform(table("age,city,label\n30,,no\n"))[0]
    np.testing.assert_array_equal(x2[0, 1:], [0, 1])  # the most frequent category: paris
    with pytest.raises(ValueError, match="'label' on line"):
        TableTransformer(target="label", missing="fill").fit(table("age,label\n1,\n2,yes\n"))


def test_unknown_categories_at_inference():
    t = TableTransformer(target="label").fit(table())
    x = t.transform(table("age,city,income,label\n30,berlin,100,yes\n"))[0]
    np.testing.assert_array_equal(x[0, 1:4], [0, 0, 0])
    assert t.unknown_counts == {"city": 1}
    strict = TableTransformer(target="label", handle_unknown="error").fit(table())
    with pytest.raises(ValueError, match="line 2: unknown category 'berlin'"):
        strict.transform(table("age,city,income,label\n30,berlin,100,yes\n"))
    with pytest.raises(ValueError, match="class 'maybe' was not in the training data"):
        t.transform(table("age,city,income,label\n30,paris,100,maybe\n"))
    assert t.transform(table("age,city,income\n30,paris,100\n")).shape == (1, 5)  # no target


def test_text_where_a_number_is_expected():
    t = TableTransformer(target="label").fit(table())
    with pytest.raises(ValueError, match="column 'income' must be numeric, but line 3 holds "
                                         "'lots'"):
        t.transform(table("age,city,income,label\n1,paris,5,yes\n2,nice,lots,no\n"))
    with pytest.raises(ValueError, match="'age' must be numeric, but line 2 holds 'old'"):
        TableTransformer(numeric=["age"]).fit(table("age,city\nold,paris\n3,nice\n"))


def test_bad_files():
    with pytest.raises(ValueError, match="line 3 has 2 fields, the header has 3"):
        read_csv(io.StringIO("a,b,c\n1,2,3\n1,2\n"))
    with pytest.raises(ValueError, match="empty file"):
        read_csv(io.StringIO(""))
    with pytest.raises(ValueError, match="unique"):
        read_csv(io.StringIO("a,a\n1,2\n"))
    with pytest.raises(ValueError, match="no column named 'price'"):
        TableTransformer(target="price").fit(table())


def test_json_round_trip_applies_the_same():
    t = TableTransformer(target="label").fit(table())
    back = TableTransformer.from_json(t.to_json())
    for a, b in zip(t.transform(table()), back.transform(table())):
        np.testing.assert_array_equal(a, b)


def test_load_csv_fits_on_train_only(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,y\n" + "".join(f"{i},{i % 3}\n" for i in range(20)))
    (x, y), (xt, yt), t = load_csv(path, target="y", test_size=0.25, seed=1)
    assert x.shape == (15, 1) and xt.shape == (5, 1)
    assert abs(float(x.mean())) < 1e-6 and abs(float(xt.mean())) > 1e-3  # train statistics
    assert y.dtype == np.float32 and t.feature_names == ["a"]
