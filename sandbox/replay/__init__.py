"""What a replay sends: each alert source's own wire format and the sandbox's SNS signer."""
