"""The admin and supervisor commands behind `ccterm`: thin clients of the daemon."""
