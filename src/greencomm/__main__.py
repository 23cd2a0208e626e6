from greencomm.cli import main

main()
