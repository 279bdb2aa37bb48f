def other_entries(Entry, Sample):
    return ()
