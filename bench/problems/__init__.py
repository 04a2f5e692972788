"""The optimizer-quality problem suite. Import ``problems.suite`` for the problems themselves; this
package's ``space`` module alone is what peer workers need."""
