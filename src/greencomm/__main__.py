from greencomm.cli import main

if __name__ == "__main__":  # not when a process of its own (spawned) imports it again
    main()
