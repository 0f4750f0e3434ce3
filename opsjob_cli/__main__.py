from opsjob_cli.main import main

main()
