def core_entries(Entry, Sample):
    return ()
