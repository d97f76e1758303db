from clearcrm.cli import main

main()
