from syxkit.cli import main

main()
