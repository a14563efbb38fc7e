from pydantic import SecretStr

from evs_transfer.tokens import new_approval_token, token_digest, token_matches


def test_token_matches_its_own_digest():
    token = new_approval_token()

    assert token_matches(token, token_digest(token))


def test_token_matches_rejects_another_token():
    digest = token_digest(new_approval_token())

    assert not token_matches(new_approval_token(), digest)


def test_token_matches_rejects_missing_digest():
    assert not token_matches(new_approval_token(), None)


def test_new_approval_token_carries_at_least_128_random_bits():
    tokens = {new_approval_token().get_secret_value() for _ in range(100)}

    assert 100 == len(tokens)
    assert all(
        len(token) >= 22 for token in tokens
    )  # 22 URL-safe characters hold 128 bits


def test_token_digest_does_not_contain_the_token():
    token = SecretStr("a-token-that-should-not-leak")

    assert "a-token-that-should-not-leak" not in token_digest(token)
