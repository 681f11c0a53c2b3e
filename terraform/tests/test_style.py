"""Style rules of terraform/ that the code review relies on: every .tf file opens with a
comment saying what it owns, and none grows past three hundred lines."""

import unittest

import hcl_tree as tf


class Style(unittest.TestCase):
    def test_every_file_starts_with_a_comment_saying_what_it_owns(self):
        for path in tf.tf_files():
            first = path.read_text().splitlines()[0]
            self.assertTrue(first.startswith("#"), path)

    def test_no_file_grows_past_three_hundred_lines(self):
        for path in tf.tf_files():
            self.assertLessEqual(len(path.read_text().splitlines()), 300, path)


if __name__ == "__main__":
    unittest.main()
